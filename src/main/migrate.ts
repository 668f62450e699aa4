import { loadConfig } from '../core/config/config.js';
import { closeDatabase } from '../core/db/database.js';
import { openMigratedDatabase } from '../core/db/open.js';
import { createLogger } from '../core/logging/logger.js';
import { runMain } from '../core/process/main.js';

/** `npm run db:migrate`: brings the database to the code's schema, for deployments with BORG_AUTO_MIGRATE=false. */
runMain(
  'borg-migrate',
  () => {
    const config = loadConfig();
    const db = openMigratedDatabase({ file: config.dbFile, autoMigrate: true, log: createLogger(config) });
    closeDatabase(db);
    return Promise.resolve();
  },
  {
    command: 'npm run db:migrate',
    summary: 'Brings the database in BORG_DATA_DIR to the schema of this code, for deployments that run with BORG_AUTO_MIGRATE=false.',
  },
);
