import { proxyActivities } from '@temporalio/workflow';
import type { JobHistoryActivities } from '../activities.js';

const { purgeJobHistory } = proxyActivities<JobHistoryActivities>({ startToCloseTimeout: '10 minutes' });

/** Deletes runs older than `days`; started each day by the `jobs-history-purge-<task queue>` schedule. */
export async function jobHistoryPurgeWorkflow(input: { days: number }): Promise<{ purged: number }> {
  return { purged: await purgeJobHistory(input) };
}
