import type { KeyObject } from 'node:crypto';
import type { Db } from '../../core/db/database.js';
import { DomainError } from '../../core/errors.js';
import { EventLog } from '../../core/events/event-log.js';
import { temporalUnavailable } from '../../core/temporal/bounded-calls.js';
import { AuditLogRepository } from '../../audit/audit-log.js';
import { changeEntry } from '../../audit/chain.js';
import type { Actor } from '../../audit/chain.js';
import { cursorNamesNothing } from '../../http/schemas/page.js';
import { partEvent } from './activities.js';
import type { WorkDispatcher } from './dispatch/dispatcher.js';
import { signJobPayload } from './dispatch/job-payload.js';
import type { JobScript } from './dispatch/job-payload.js';
import type { JobTemporalClient } from './flows/temporal-client.js';
import { JobRepository } from './repositories/jobs.js';
import { RunRepository } from './repositories/runs.js';
import type { DeviceRunStatus, ReportedResult, RunDeviceRow, RunRow } from './repositories/runs.js';
import type { RunRecord } from './schemas.js';

/** A device has this long past its timeout to report, for the network and its own kill of the script. */
export const REPORT_GRACE_S = 5;
/** A payload expires this long after its result is due: a device whose clock runs a little ahead still takes it. */
export const CLOCK_SKEW_S = 60;

export interface WorkItem {
  run_id: string;
  job_id: string;
  payload: string;
}

const runNotFound = (id: string) => new DomainError('not_found', 'RUN_NOT_FOUND', `no run ${id}`);

/** Runs: what operators read and cancel, and what devices take and report. */
export class RunService {
  private readonly runs: RunRepository;
  private readonly jobs: JobRepository;
  private readonly events: EventLog;
  private readonly audit: AuditLogRepository;

  constructor(
    private readonly db: Db,
    private readonly temporal: JobTemporalClient,
    private readonly dispatcher: WorkDispatcher,
    private readonly signingKey: KeyObject,
    private readonly onNudgeFailed: (runId: string, err: unknown) => void,
  ) {
    this.runs = new RunRepository(db);
    this.jobs = new JobRepository(db);
    this.events = new EventLog(db);
    this.audit = new AuditLogRepository(db);
  }

  get(id: string): RunRecord {
    const run = this.runs.get(id);
    if (!run) throw runNotFound(id);
    return { ...this.view(run), devices: this.runs.devices(id).map(deviceView) };
  }

  listForJob(jobId: string, page: { after?: string; limit?: number }): RunRecord[] {
    if (!this.jobs.get(jobId)) throw new DomainError('not_found', 'JOB_NOT_FOUND', `no job ${jobId}`);
    if (page.after && this.runs.get(page.after)?.job_id !== jobId) throw cursorNamesNothing('after', 'run of this job', page.after);
    return this.runs
      .listForJob(jobId, { limit: page.limit ?? 1000, ...(page.after ? { after: page.after } : {}) })
      .map((r) => this.view(r));
  }

  async cancel(by: Actor, id: string): Promise<RunRecord> {
    const run = this.runs.get(id);
    if (!run) throw runNotFound(id);
    if (run.status !== 'running')
      throw new DomainError('conflict', 'RUN_ENDED', `run ${id} is ${run.status} already`, { status: run.status });
    try {
      await this.temporal.cancelRun(id, by.actor);
    } catch (err) {
      throw temporalUnavailable('Temporal could not be told, so the run goes on; cancel again in a moment', err);
    }
    this.audit.append(changeEntry(by, 'job.run_cancel_requested', { run_id: id, job_id: run.job_id }));
    return this.get(id);
  }

  /** The device's work now, or as soon as some comes within `waitS`; signed, for this device only. */
  async work(deviceId: string, waitS: number, signal: AbortSignal): Promise<WorkItem[]> {
    let claimed = this.runs.claimWork(deviceId, new Date().toISOString(), REPORT_GRACE_S);
    if (claimed.length === 0 && waitS > 0 && !signal.aborted) {
      await this.dispatcher.wait(deviceId, waitS * 1000, signal);
      if (signal.aborted) return [];
      claimed = this.runs.claimWork(deviceId, new Date().toISOString(), REPORT_GRACE_S);
    }
    const issuedAt = new Date().toISOString();
    return claimed.map(({ run, dueAt }) => ({
      run_id: run.id,
      job_id: run.job_id,
      payload: signJobPayload(this.signingKey, {
        v: 1,
        run_id: run.id,
        job_id: run.job_id,
        job_name: run.job_name,
        device_id: deviceId,
        script: { ...(JSON.parse(run.script) as Omit<JobScript, 'sha256'>), sha256: run.script_sha256 },
        timeout_s: run.timeout_s,
        issued_at: issuedAt,
        expires_at: new Date(Date.parse(dueAt) + CLOCK_SKEW_S * 1000).toISOString(),
      }),
    }));
  }

  /** The part of `runId` that is this device's: 404 for no such run, 403 for a run that is not for it. */
  private part(deviceId: string, runId: string): RunDeviceRow {
    if (!this.runs.get(runId)) throw runNotFound(runId);
    const part = this.runs.device(runId, deviceId);
    if (!part) throw new DomainError('forbidden', 'RUN_NOT_FOR_DEVICE', `run ${runId} is not for this device`);
    return part;
  }

  progress(deviceId: string, runId: string): { status: DeviceRunStatus } {
    this.part(deviceId, runId);
    // No nudge: a part that started changes no deadline the run's flow keeps.
    this.db.transaction(() => {
      if (!this.runs.started(runId, deviceId, new Date().toISOString())) return;
      this.events.append({ type: 'run.device_result', subject: runId, data: partEvent(this.runs.device(runId, deviceId)!) });
    })();
    return { status: this.runs.device(runId, deviceId)!.status };
  }

  result(deviceId: string, runId: string, result: ReportedResult): { status: DeviceRunStatus; late: boolean } {
    this.part(deviceId, runId);
    const outcome = this.db
      .transaction(() => {
        const recorded = this.runs.recordResult(runId, deviceId, result)!;
        if (!recorded.late)
          this.events.append({ type: 'run.device_result', subject: runId, data: partEvent(this.runs.device(runId, deviceId)!) });
        return recorded;
        // IMMEDIATE: it reads the part, then writes; see RunRepository.claimWork.
      })
      .immediate();
    if (!outcome.late) this.nudge(runId);
    return outcome;
  }

  /** The run's flow looks again; if Temporal misses this, the flow still ends at its next deadline. */
  private nudge(runId: string): void {
    this.temporal.resultsChanged(runId).catch((err: unknown) => this.onNudgeFailed(runId, err));
  }

  private view(run: RunRow): RunRecord {
    return {
      id: run.id,
      job_id: run.job_id,
      job_name: run.job_name,
      trigger: run.trigger,
      status: run.status,
      script_sha256: run.script_sha256,
      timeout_s: run.timeout_s,
      scheduled_at: run.scheduled_at,
      started_at: run.started_at,
      finished_at: run.finished_at,
      counts: this.runs.counts(run.id),
    };
  }
}

function deviceView(row: RunDeviceRow): NonNullable<RunRecord['devices']>[number] {
  return {
    device_id: row.device_id,
    status: row.status,
    reason: row.reason,
    exit_code: row.exit_code,
    signal: row.signal,
    stdout: row.stdout,
    stderr: row.stderr,
    stdout_truncated: row.stdout_truncated === 1,
    stderr_truncated: row.stderr_truncated === 1,
    dispatched_at: row.dispatched_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
    late_result: row.late_result === null ? null : (JSON.parse(row.late_result) as Record<string, unknown>),
  };
}
