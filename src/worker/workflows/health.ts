import { proxyActivities } from '@temporalio/workflow';
import type { HealthActivities, DatabaseProbe } from '../activities/health.js';

const { probeDatabase } = proxyActivities<HealthActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

export interface HealthWorkflowResult {
  database: DatabaseProbe;
}

/** Proves the whole path: client → server → worker → activity → database and back. */
export async function healthWorkflow(): Promise<HealthWorkflowResult> {
  return { database: await probeDatabase() };
}
