import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { condition, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { JobRunActivities } from '../activities.js';
import type { RunTrigger } from '../repositories/runs.js';

export interface JobRunInput {
  jobId: string;
  trigger: RunTrigger;
}

export interface JobRunOutcome {
  runId: string;
  /** `not_started` when the job was deleted or paused before the run could begin. */
  status: 'finished' | 'cancelled' | 'not_started';
}

/** A device reported: the flow looks again, so a run ends as soon as its last result is in. */
export const resultsChangedSignal = defineSignal('resultsChanged');
/** An operator cancels the run; parts still open end as cancelled. */
export const cancelRunSignal = defineSignal<[{ by: string }]>('cancelRun');

// Temporal sets it on every workflow a schedule starts: the time the run was due.
const scheduledStartKey = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

const { startRun, settleDue, endRun } = proxyActivities<JobRunActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * One run of a job, `job-<job>-<time>`: freezes the target set, then waits for each device's result until the
 * deadlines that time decides (offline when nobody picked the work up in the dispatch window, timed out when a
 * result is overdue). Results themselves go straight to the database from the API; this flow only keeps time.
 */
export async function jobRunWorkflow(input: JobRunInput): Promise<JobRunOutcome> {
  const runId = workflowInfo().workflowId;
  let changed = false;
  let cancelledBy: string | undefined;
  setHandler(resultsChangedSignal, () => {
    changed = true;
  });
  setHandler(cancelRunSignal, ({ by }) => {
    cancelledBy ??= by;
  });

  const scheduledAt = workflowInfo().typedSearchAttributes.get(scheduledStartKey);
  const started = await startRun({ runId, jobId: input.jobId, trigger: input.trigger, scheduledAt: scheduledAt?.toISOString() ?? null });
  if (!started) return { runId, status: 'not_started' };

  for (;;) {
    if (cancelledBy !== undefined) {
      await endRun({ runId, status: 'cancelled', by: cancelledBy });
      return { runId, status: 'cancelled' };
    }
    changed = false;
    const due = await settleDue({ runId });
    if (due.open === 0) {
      await endRun({ runId, status: 'finished', by: 'system' });
      return { runId, status: 'finished' };
    }
    // A little past the deadline, so the next look finds it passed.
    const waitMs = due.nextDue === null ? undefined : Math.max(0, Date.parse(due.nextDue) - Date.now()) + 250;
    if (waitMs === undefined) await condition(() => changed || cancelledBy !== undefined);
    else await condition(() => changed || cancelledBy !== undefined, waitMs);
  }
}
