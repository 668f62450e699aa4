import { startApiServer } from '../api/server.js';
import { ApiKeys } from '../lib/auth/api-keys.js';
import { loadConfig } from '../lib/config/config.js';
import { closeDatabase } from '../lib/db/database.js';
import { openMigratedDatabase } from '../lib/db/open.js';
import { createLogger } from '../lib/logging/logger.js';
import { Lifecycle } from '../lib/process/lifecycle.js';
import { runMain } from '../lib/process/main.js';
import { temporalAddress } from '../lib/temporal/resolve.js';

/** The API alone, against TEMPORAL_ADDRESS (or the embedded server's address that `npm start` uses). */
runMain('borg-api', async () => {
  const config = loadConfig();
  const log = createLogger(config);
  const lifecycle = new Lifecycle(log, config.shutdownTimeoutMs);
  lifecycle.handleSignals();
  try {
    const db = openMigratedDatabase({ file: config.dbFile, autoMigrate: config.autoMigrate, log });
    lifecycle.onStop('database', () => closeDatabase(db));
    const firstAdminKey = new ApiKeys(db).bootstrapAdmin();
    const api = await startApiServer(config, db, log, temporalAddress(config));
    lifecycle.onStop('api', () => api.close());
    log.info({ api: api.url }, 'API ready');
    if (firstAdminKey) process.stdout.write(`First admin API key (store it now, it is not shown again): ${firstAdminKey}\n`);
  } catch (err) {
    await lifecycle.stop('start failed');
    throw err;
  }
});
