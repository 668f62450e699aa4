import { runService } from '../lib/process/service.js';
import { temporalAddress } from '../lib/temporal/resolve.js';
import { startWorker } from '../lib/temporal/worker.js';

/** The Temporal worker alone; scale out by running more of these against the same database. */
runService('borg-worker', { temporalRuntime: true }, async ({ config, log, lifecycle, db }) => {
  const worker = await startWorker({ temporal: config.temporal, address: temporalAddress(config), db, log });
  lifecycle.onStop('worker', () => worker.stop());
  await worker.running;
});
