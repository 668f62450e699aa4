import type { Logger } from 'pino';
import { closeDatabase, openDatabase } from './database.js';
import type { Db } from './database.js';
import { MigrationError, migrate, migrationStatus, readMigrations } from './migrations.js';

export interface OpenOptions {
  file: string;
  autoMigrate: boolean;
  log: Logger;
  migrationsDir?: string;
}

/** Opens the database and brings its schema to the code's version, or refuses with why. */
export function openMigratedDatabase({ file, autoMigrate, log, migrationsDir }: OpenOptions): Db {
  const db = openDatabase(file);
  try {
    const migrations = readMigrations(migrationsDir);
    const status = migrationStatus(db, migrations);
    if (status.pending.length > 0 && !autoMigrate) {
      throw new MigrationError(
        `database ${file} is at schema version ${status.current}, this BorgOS needs ${status.latest}; ` +
          'run `npm run db:migrate` or set BORG_AUTO_MIGRATE=true',
      );
    }
    const applied = migrate(db, migrations);
    if (applied.length > 0) log.info({ applied, file }, 'database migrated');
    return db;
  } catch (err) {
    closeDatabase(db);
    throw err;
  }
}
