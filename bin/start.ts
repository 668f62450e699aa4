import { startApiServer } from '../api/server.js';
import { ApiKeys } from '../lib/auth/api-keys.js';
import { loadConfig } from '../lib/config/config.js';
import { closeDatabase } from '../lib/db/database.js';
import { openMigratedDatabase } from '../lib/db/open.js';
import { createLogger } from '../lib/logging/logger.js';
import { Lifecycle } from '../lib/process/lifecycle.js';
import { runMain } from '../lib/process/main.js';
import { resolveTemporal } from '../lib/temporal/resolve.js';
import { installTemporalRuntime } from '../lib/temporal/runtime.js';
import { startWorker } from '../lib/temporal/worker.js';

/** `npm start`: Temporal (embedded unless TEMPORAL_ADDRESS), the worker and the API in one command. */
runMain('borg', async () => {
  const config = loadConfig();
  const log = createLogger(config);
  installTemporalRuntime(log);
  const lifecycle = new Lifecycle(log, config.shutdownTimeoutMs);
  lifecycle.handleSignals();
  try {
    const db = openMigratedDatabase({ file: config.dbFile, autoMigrate: config.autoMigrate, log });
    lifecycle.onStop('database', () => closeDatabase(db));
    const firstAdminKey = new ApiKeys(db).bootstrapAdmin();
    const temporal = await resolveTemporal(config, log, lifecycle);
    const worker = await startWorker({ temporal: config.temporal, address: temporal.address, db, log });
    lifecycle.onStop('worker', () => worker.stop());
    worker.running.catch((err: unknown) => {
      log.fatal({ err }, 'worker crashed');
      void lifecycle.stop('worker crashed').then(() => process.exit(1));
    });
    const api = await startApiServer(config, db, log, temporal.address);
    lifecycle.onStop('api', () => api.close());
    log.info({ api: api.url, temporal: temporal.address, temporalUi: temporal.uiUrl }, 'BorgOS ready');
    process.stdout.write(
      [
        '',
        'BorgOS control plane is up',
        `  API          ${api.url}`,
        `  API docs     ${api.url}/docs`,
        `  Temporal UI  ${temporal.uiUrl ?? `(external Temporal at ${temporal.address})`}`,
        ...(firstAdminKey ? [`  Admin key    ${firstAdminKey}`, '               (first start: store it now, it is not shown again)'] : []),
        'Press Ctrl-C to stop.',
        '',
      ].join('\n') + '\n',
    );
  } catch (err) {
    await lifecycle.stop('start failed');
    throw err;
  }
});
