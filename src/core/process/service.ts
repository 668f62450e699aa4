import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { loadConfig } from '../config/config.js';
import { closeDatabase } from '../db/database.js';
import type { Db } from '../db/database.js';
import { openMigratedDatabase } from '../db/open.js';
import { createLogger } from '../logging/logger.js';
import { Lifecycle } from './lifecycle.js';
import { runMain } from './main.js';
import type { Usage } from './main.js';

export interface ServiceContext {
  config: Config;
  log: Logger;
  lifecycle: Lifecycle;
  db: Db;
}

/**
 * The start every long-running entry point shares: configuration, JSON log, signal handling and
 * the migrated database (closed last). `body` starts the rest and registers how to stop it; if
 * anything fails on the way up, what already started is stopped before the error is printed.
 */
export function runService(name: string, options: { usage?: Usage }, body: (ctx: ServiceContext) => Promise<void>): void {
  runMain(
    name,
    async () => {
      const config = loadConfig();
      const log = createLogger(config);
      const lifecycle = new Lifecycle(log, config.shutdownTimeoutMs);
      lifecycle.handleSignals();
      try {
        const db = openMigratedDatabase({ file: config.dbFile, autoMigrate: config.autoMigrate, log });
        lifecycle.onStop('database', () => closeDatabase(db));
        await body({ config, log, lifecycle, db });
      } catch (err) {
        await lifecycle.stop('start failed');
        throw err;
      }
    },
    options.usage,
  );
}
