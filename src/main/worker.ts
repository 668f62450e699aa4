import type { Usage } from '../core/process/main.js';
import { runService } from '../core/process/service.js';
import { temporalAddress } from '../core/temporal/resolve.js';
import { startWorker } from '../worker/worker.js';
import { installTemporalRuntime } from '../core/temporal/runtime.js';

const usage: Usage = {
  command: 'npm run start:worker',
  summary: 'Runs the Temporal worker alone; run more of them against the same database to scale out.',
};

/** The Temporal worker alone; scale out by running more of these against the same database. */
runService('borg-worker', { usage }, async ({ config, log, lifecycle, db }) => {
  // Before any Temporal connection: the SDK's native runtime logs through ours.
  installTemporalRuntime(log);
  const worker = await startWorker({ temporal: config.temporal, address: temporalAddress(config), db, log, jobs: config.jobs });
  lifecycle.onStop('worker', () => worker.stop());
  await worker.running;
});
