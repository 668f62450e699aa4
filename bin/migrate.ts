import { loadConfig } from '../lib/config/config.js';
import { closeDatabase } from '../lib/db/database.js';
import { openMigratedDatabase } from '../lib/db/open.js';
import { createLogger } from '../lib/logging/logger.js';
import { runMain } from '../lib/process/main.js';

/** `npm run db:migrate`: brings the database to the code's schema, for deployments with BORG_AUTO_MIGRATE=false. */
runMain(
  'borg-migrate',
  () => {
    const config = loadConfig();
    const db = openMigratedDatabase({ file: config.dbFile, autoMigrate: true, log: createLogger(config) });
    closeDatabase(db);
    return Promise.resolve();
  },
  { command: 'npm run db:migrate', summary: 'Brings the database in BORG_DATA_DIR to the schema of this code, for deployments that run with BORG_AUTO_MIGRATE=false.' },
);
