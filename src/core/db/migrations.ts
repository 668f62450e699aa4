import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './database.js';

export const defaultMigrationsDir = fileURLToPath(new URL('./migrations', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Reads `NNNN_name.sql` files; versions must run 1, 2, 3… with no gap or repeat. */
export function readMigrations(dir: string = defaultMigrationsDir): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = FILE_PATTERN.exec(file);
      if (!match?.[1] || !match[2]) {
        throw new MigrationError(`${join(dir, file)}: migration files must be named NNNN_lowercase_name.sql`);
      }
      const sql = readFileSync(join(dir, file), 'utf8');
      return {
        version: Number(match[1]),
        name: match[2],
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new MigrationError(`${dir}: expected migration version ${i + 1}, found ${m.version} (${m.name})`);
    }
  });
  return migrations;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

export interface MigrationStatus {
  current: number;
  latest: number;
  pending: Migration[];
}

function ensureTable(db: Db): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
}

/** Compares the database with the code; refuses a database the code cannot safely run on. */
export function migrationStatus(db: Db, migrations: Migration[]): MigrationStatus {
  ensureTable(db);
  const applied = db.prepare<[], AppliedRow>('SELECT version, name, checksum FROM schema_migrations ORDER BY version').all();
  const latest = migrations.length;
  const current = applied.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new MigrationError(
      `database schema is at version ${current} but this BorgOS knows only up to ${latest}: it was written by a newer release; upgrade BorgOS or use a backup`,
    );
  }
  for (const row of applied) {
    const known = migrations[row.version - 1];
    if (known?.checksum !== row.checksum) {
      throw new MigrationError(
        `migration ${row.version} (${row.name}) was changed after it was applied to this database; restore the original file or add a new migration instead`,
      );
    }
  }
  return { current, latest, pending: migrations.slice(current) };
}

/** Applies each pending migration in its own transaction; returns the versions this call applied. */
export function migrate(db: Db, migrations: Migration[] = readMigrations()): number[] {
  const { pending } = migrationStatus(db, migrations);
  const record = db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)');
  const done = db.prepare<[number], number>('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  const applied: number[] = [];
  for (const m of pending) {
    db.transaction(() => {
      // Two processes starting on one new database both see every migration pending; under the write lock only
      // the first applies each, and the other finds it done.
      if (done.get(m.version)) return;
      try {
        db.exec(m.sql);
      } catch (err) {
        throw new MigrationError(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`);
      }
      record.run(m.version, m.name, m.checksum, new Date().toISOString());
      applied.push(m.version);
    }).immediate();
  }
  return applied;
}
