import type { Db } from '../../core/db/database.js';
import { EventLog } from '../../core/events/event-log.js';
import { directRunId } from './flows/workflow-ids.js';
import type { JobDevices, JobTargets } from './ports.js';
import type { JobSchedule } from './schedule/schemas.js';
import { JobRepository } from './repositories/jobs.js';
import { RunRepository } from './repositories/runs.js';
import type { RunDeviceRow, RunTrigger } from './repositories/runs.js';

export interface StartRunInput {
  runId: string;
  jobId: string;
  trigger: RunTrigger;
  /** When a schedule meant the run to start. */
  scheduledAt: string | null;
}

/** What a device's part announces in `run.device_result`. */
export const partEvent = (row: Pick<RunDeviceRow, 'device_id' | 'status' | 'exit_code' | 'reason'>) => ({
  device_id: row.device_id,
  status: row.status,
  exit_code: row.exit_code,
  reason: row.reason,
});

/** The job-run flow's steps; all its I/O. */
export function createJobRunActivities(db: Db, devices: JobDevices) {
  const jobs = new JobRepository(db);
  const runs = new RunRepository(db);
  const events = new EventLog(db);

  return {
    /**
     * Freezes the run's targets and records it; false if the job is gone, or paused when a schedule fired.
     * Idempotent: a retry finds the run it made.
     */
    async startRun(input: StartRunInput): Promise<boolean> {
      if (runs.get(input.runId)) return true;
      const job = jobs.get(input.jobId);
      if (!job || (input.trigger !== 'manual' && job.enabled === 0)) return false;
      // A once job moved to another time since this run was started for the old one.
      const schedule = JSON.parse(job.schedule) as JobSchedule;
      if (input.trigger === 'once' && (schedule.kind !== 'once' || directRunId(job.id, new Date(schedule.at)) !== input.runId))
        return false;
      const now = new Date();
      const parts = devices
        .matching(JSON.parse(job.targets) as JobTargets)
        .map((d) =>
          d.status === 'active'
            ? { device_id: d.id, status: 'pending' as const, reason: null }
            : { device_id: d.id, status: 'skipped' as const, reason: `the device is ${d.status}` },
        );
      db.transaction(() => {
        const made = runs.insert(
          {
            id: input.runId,
            job_id: job.id,
            job_name: job.name,
            trigger: input.trigger,
            script: job.script,
            script_sha256: job.script_sha256,
            timeout_s: job.timeout_s,
            dispatch_deadline: new Date(now.getTime() + job.dispatch_window_s * 1000).toISOString(),
            status: 'running',
            scheduled_at: input.scheduledAt,
            started_at: now.toISOString(),
            finished_at: null,
          },
          parts,
        );
        if (!made) return;
        const skipped = parts.filter((p) => p.status === 'skipped').length;
        events.append({
          type: 'run.started',
          subject: input.runId,
          data: {
            job_id: job.id,
            job_name: job.name,
            trigger: input.trigger,
            devices: parts.length,
            skipped,
            scheduled_at: input.scheduledAt,
          },
        });
      })();
      return true;
    },

    /** Settles the parts whose deadline passed; how many stay open and when the next falls due. */
    async settleDue({ runId }: { runId: string }): Promise<{ open: number; nextDue: string | null }> {
      return db.transaction(() => {
        const { settled, open, nextDue } = runs.settleDue(runId, new Date().toISOString());
        for (const row of settled) events.append({ type: 'run.device_result', subject: runId, data: partEvent(row) });
        return { open, nextDue };
      })();
    },

    /** Ends the run and announces its counts, and who cancelled it. */
    async endRun({ runId, status, by }: { runId: string; status: 'finished' | 'cancelled'; by: string }): Promise<void> {
      db.transaction(() => {
        if (!runs.end(runId, status, new Date().toISOString())) return;
        const run = runs.get(runId)!;
        events.append({ type: 'run.finished', subject: runId, data: { job_id: run.job_id, status, by, counts: runs.counts(runId) } });
      })();
    },
  };
}

/** History: runs older than the retention, in batches, so no write lock is held long. */
export function createJobHistoryActivities(db: Db) {
  const runs = new RunRepository(db);
  return {
    async purgeJobHistory({ days }: { days: number }): Promise<number> {
      const before = new Date(Date.now() - days * 86_400_000).toISOString();
      let total = 0;
      for (let n = runs.purgeStartedBefore(before, 500); n > 0; n = runs.purgeStartedBefore(before, 500)) total += n;
      return total;
    },
  };
}

export type JobRunActivities = ReturnType<typeof createJobRunActivities>;
export type JobHistoryActivities = ReturnType<typeof createJobHistoryActivities>;
