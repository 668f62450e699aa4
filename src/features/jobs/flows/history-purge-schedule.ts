import type { Client } from '@temporalio/client';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { flowKey } from '../../../core/temporal/flow-attribute.js';
import { jobHistoryPurgeWorkflow } from '../workflows/job-history.js';
import { historyPurgeScheduleId } from './workflow-ids.js';

/**
 * The daily schedule that purges run history older than `days`: made if missing, brought to `days` if another
 * setting made it. The worker, which runs the purge, asks when it starts; the schedule is one per task queue.
 */
export async function ensureHistoryPurgeSchedule(client: Client, taskQueue: string, days: number): Promise<void> {
  const scheduleId = historyPurgeScheduleId(taskQueue);
  const note = `purges job runs older than ${days} days`;
  const action = {
    type: 'startWorkflow' as const,
    workflowType: jobHistoryPurgeWorkflow,
    workflowId: scheduleId,
    taskQueue,
    args: [{ days }] as [{ days: number }],
    typedSearchAttributes: [{ key: flowKey, value: 'job-history-purge' }],
  };
  const spec = { calendars: [{ hour: 3, minute: 17 }] };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP }, state: { note } });
    return;
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(scheduleId);
  if ((await handle.describe()).state.note === note) return;
  await handle.update((current) => ({ ...current, spec, action, state: { ...current.state, note } }));
}
