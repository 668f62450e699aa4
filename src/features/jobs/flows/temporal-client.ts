import type { Client, ScheduleDescription, ScheduleOptions } from '@temporalio/client';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { BaseLogger } from 'pino';
import { BoundedTemporal } from '../../../core/temporal/bounded-calls.js';
import { flowKey } from '../../../core/temporal/flow-attribute.js';
import type { JobRow } from '../repositories/jobs.js';
import type { RunTrigger } from '../repositories/runs.js';
import type { JobSchedule } from '../schedule/schemas.js';
import { toOverlapPolicy, toScheduleSpec } from '../schedule/temporal-spec.js';
import { cancelRunSignal, jobRunWorkflow, resultsChangedSignal } from '../workflows/job-run.js';
import type { JobRunInput } from '../workflows/job-run.js';
import { jobIdKey, searchAttributeKeys } from './search-attributes.js';
import { directRunId, jobScheduleId } from './workflow-ids.js';

/** The job revision a schedule was made from, which its note starts with. */
const revisionOf = (note: string | undefined): number => Number(/^revision (\d+) /.exec(note ?? '')?.[1] ?? -1);

class AlreadySynced extends Error {}

/** How many of a schedule's next fire times `GET /jobs/:id` shows. */
export const NEXT_RUNS_SHOWN = 5;

/** Jobs' schedules and runs in Temporal; the API's only way into Temporal for jobs. */
export class JobTemporalClient {
  readonly temporal: BoundedTemporal;

  constructor(
    client: Client,
    private readonly taskQueue: string,
    private readonly log: Pick<BaseLogger, 'debug' | 'warn'>,
    /** Seconds a fire may come late and still run: a stalled fire runs late rather than not at all. */
    private readonly catchupWindowS: number,
  ) {
    this.temporal = new BoundedTemporal(client, log, searchAttributeKeys);
  }

  private scheduleOptions(job: JobRow, schedule: JobSchedule) {
    const spec = toScheduleSpec(schedule)!;
    return {
      scheduleId: jobScheduleId(job.id),
      spec,
      action: {
        type: 'startWorkflow',
        workflowType: jobRunWorkflow,
        workflowId: jobScheduleId(job.id),
        taskQueue: this.taskQueue,
        args: [{ jobId: job.id, trigger: 'schedule' }] as [JobRunInput],
        typedSearchAttributes: [
          { key: flowKey, value: 'job-run' },
          { key: jobIdKey, value: job.id },
        ],
      },
      policies: { overlap: toOverlapPolicy(job.overlap), catchupWindow: this.catchupWindowS * 1000 },
      state: { paused: job.enabled === 0, note: `revision ${job.revision} of job ${job.id} (${job.name})` },
      typedSearchAttributes: [
        { key: flowKey, value: 'job-schedule' },
        { key: jobIdKey, value: job.id },
      ],
    } satisfies ScheduleOptions;
  }

  /**
   * Brings a job's schedule to its row: made if missing, updated if older, removed if the job has none (now,
   * once) or is deleted. A schedule already at this revision or a later one is left alone, so two API replicas
   * healing the same job cannot take it backwards.
   */
  async sync(job: JobRow): Promise<void> {
    const schedule = JSON.parse(job.schedule) as JobSchedule;
    const handle = this.temporal.client.schedule.getHandle(jobScheduleId(job.id));
    if (job.deleted_at !== null || toScheduleSpec(schedule) === undefined) {
      await this.temporal.call(async () => {
        try {
          await handle.delete();
        } catch (err) {
          if (!(err instanceof ScheduleNotFoundError)) throw err;
        }
      });
      if (job.deleted_at === null && (schedule.kind === 'now' || schedule.kind === 'once')) await this.startOneRun(job, schedule);
      return;
    }
    const options = this.scheduleOptions(job, schedule);
    await this.temporal
      .call(async () => {
        await this.temporal.ensureSearchAttributes();
        try {
          await this.temporal.client.schedule.create(options);
          return;
        } catch (err) {
          if (!(err instanceof ScheduleAlreadyRunning)) throw err;
        }
        // Temporal checks that nobody updated the schedule between this read and the write.
        await handle.update((current) => {
          if (revisionOf(current.state.note) >= job.revision) throw new AlreadySynced();
          return { spec: options.spec, action: options.action, policies: options.policies, state: options.state };
        });
      })
      .catch((err: unknown) => {
        if (!(err instanceof AlreadySynced)) throw err;
      });
    this.log.debug({ job_id: job.id, revision: job.revision }, 'job schedule synced');
  }

  /**
   * The schedule's next fire times and the fires Temporal skipped for coming later than the catch-up window, or
   * undefined if it has no schedule in Temporal.
   */
  async scheduleState(jobId: string): Promise<{ next: string[]; missed: number } | undefined> {
    let description: ScheduleDescription;
    try {
      description = await this.temporal.call(() => this.temporal.client.schedule.getHandle(jobScheduleId(jobId)).describe());
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return undefined;
      throw err;
    }
    return {
      next: description.state.paused ? [] : description.info.nextActionTimes.slice(0, NEXT_RUNS_SHOWN).map((d) => d.toISOString()),
      missed: description.info.numActionsMissedCatchupWindow,
    };
  }

  /**
   * The one run of a `now` job (when it was made) or a `once` job (at its time). Its id comes from that time, so
   * starting it again while it waits or runs is a no-op, and a run that ended is not repeated (its row exists).
   */
  private async startOneRun(job: JobRow, schedule: JobSchedule & { kind: 'now' | 'once' }): Promise<void> {
    const at = new Date(schedule.kind === 'once' ? schedule.at : job.created_at);
    try {
      await this.startRun(job.id, schedule.kind, at, Math.max(0, at.getTime() - Date.now()));
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  /** Starts a run now, or after `delayMs` (a once job); its id. */
  async startRun(jobId: string, trigger: RunTrigger, at: Date = new Date(), delayMs = 0): Promise<string> {
    const workflowId = directRunId(jobId, at);
    await this.temporal.start(jobRunWorkflow, {
      workflowId,
      taskQueue: this.taskQueue,
      args: [{ jobId, trigger }],
      workflowIdConflictPolicy: 'FAIL',
      ...(delayMs > 0 ? { startDelay: delayMs } : {}),
      typedSearchAttributes: [
        { key: flowKey, value: 'job-run' },
        { key: jobIdKey, value: jobId },
      ],
    });
    return workflowId;
  }

  async cancelRun(runId: string, by: string): Promise<void> {
    await this.temporal.call(() => this.temporal.client.workflow.getHandle(runId).signal(cancelRunSignal, { by }));
  }

  /** Tells a run a result came in; a run that ended meanwhile has nothing to hear. */
  async resultsChanged(runId: string): Promise<void> {
    try {
      await this.temporal.call(() => this.temporal.client.workflow.getHandle(runId).signal(resultsChangedSignal), 2_000);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
}
