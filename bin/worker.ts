import { loadConfig } from '../lib/config/config.js';
import { closeDatabase } from '../lib/db/database.js';
import { openMigratedDatabase } from '../lib/db/open.js';
import { createLogger } from '../lib/logging/logger.js';
import { Lifecycle } from '../lib/process/lifecycle.js';
import { runMain } from '../lib/process/main.js';
import { temporalAddress } from '../lib/temporal/resolve.js';
import { installTemporalRuntime } from '../lib/temporal/runtime.js';
import { startWorker } from '../lib/temporal/worker.js';

/** The Temporal worker alone; scale out by running more of these against the same database. */
runMain('borg-worker', async () => {
  const config = loadConfig();
  const log = createLogger(config);
  installTemporalRuntime(log);
  const lifecycle = new Lifecycle(log, config.shutdownTimeoutMs);
  lifecycle.handleSignals();
  try {
    const db = openMigratedDatabase({ file: config.dbFile, autoMigrate: config.autoMigrate, log });
    lifecycle.onStop('database', () => closeDatabase(db));
    const worker = await startWorker({ temporal: config.temporal, address: temporalAddress(config), db, log });
    lifecycle.onStop('worker', () => worker.stop());
    await worker.running;
  } catch (err) {
    await lifecycle.stop('start failed');
    throw err;
  }
});
