import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../lib/db/database.js';
import { MigrationError, readMigrations } from '../../../lib/db/migrations.js';
import { openMigratedDatabase } from '../../../lib/db/open.js';
import { tempDir } from '../../support/stack.js';

const log = pino({ level: 'silent' });

function migrationsDir(files: Record<string, string>): string {
  const dir = join(tempDir('borg-migrations-'), 'migrations');
  mkdirSync(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

const v1 = { '0001_things.sql': 'CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL);' };
const v2 = { ...v1, '0002_thing_size.sql': 'ALTER TABLE things ADD COLUMN size INTEGER NOT NULL DEFAULT 0;' };

function tables(file: string): string[] {
  const db = openDatabase(file);
  const names = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => r.name);
  db.close();
  return names;
}

describe('database migrations', () => {
  it('applies the shipped migrations to a new database with WAL and foreign keys on', () => {
    const file = join(tempDir(), 'borg.db');
    const db = openMigratedDatabase({ file, autoMigrate: true, log });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    const versions = db.prepare<[], { version: number }>('SELECT version FROM schema_migrations').all().map((r) => r.version);
    expect(versions).toEqual(readMigrations().map((m) => m.version));
    db.close();
  });

  it('answers the grant-request lookups of a revoke and a new request from indexes', () => {
    const db = openMigratedDatabase({ file: join(tempDir(), 'borg.db'), autoMigrate: true, log });
    const plan = (sql: string): string => db.prepare<[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`).all().map((r) => r.detail).join('; ');
    expect(plan("SELECT * FROM grant_requests WHERE grant_id = 'grt_1'")).toContain('USING INDEX grant_requests_by_grant');
    expect(plan("SELECT * FROM grant_requests WHERE status = 'pending' AND engine_id = 'eng_1'")).toContain('USING INDEX grant_requests_pending');
    db.close();
  });

  it('applies only what is pending, once', () => {
    const file = join(tempDir(), 'borg.db');
    openMigratedDatabase({ file, autoMigrate: true, log, migrationsDir: migrationsDir(v1) }).close();
    const db = openMigratedDatabase({ file, autoMigrate: true, log, migrationsDir: migrationsDir(v2) });
    db.prepare('INSERT INTO things (name, size) VALUES (?, ?)').run('a', 3);
    expect(db.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: 2 });
    db.close();
    openMigratedDatabase({ file, autoMigrate: true, log, migrationsDir: migrationsDir(v2) }).close();
  });

  it('refuses a database written by newer code', () => {
    const file = join(tempDir(), 'borg.db');
    openMigratedDatabase({ file, autoMigrate: true, log, migrationsDir: migrationsDir(v2) }).close();
    expect(() => openMigratedDatabase({ file, autoMigrate: true, log, migrationsDir: migrationsDir(v1) })).toThrow(
      'database schema is at version 2 but this BorgOS knows only up to 1',
    );
  });

  it('refuses to start on pending migrations when BORG_AUTO_MIGRATE is off, and changes nothing', () => {
    const file = join(tempDir(), 'borg.db');
    openMigratedDatabase({ file, autoMigrate: true, log, migrationsDir: migrationsDir(v1) }).close();
    expect(() => openMigratedDatabase({ file, autoMigrate: false, log, migrationsDir: migrationsDir(v2) })).toThrow(
      /is at schema version 1, this BorgOS needs 2; run `npm run db:migrate` or set BORG_AUTO_MIGRATE=true/,
    );
    const db = openDatabase(file);
    expect(db.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({ v: 1 });
    db.close();
  });

  it('rolls a failing migration back whole and says which one failed', () => {
    const file = join(tempDir(), 'borg.db');
    const broken = { ...v1, '0002_broken.sql': 'CREATE TABLE half (id INTEGER); INSERT INTO nowhere VALUES (1);' };
    expect(() => openMigratedDatabase({ file, autoMigrate: true, log, migrationsDir: migrationsDir(broken) })).toThrow(
      'migration 2 (broken) failed: no such table: nowhere',
    );
    expect(tables(file)).toEqual(['schema_migrations', 'things']);
  });

  it('refuses a migration edited after it was applied', () => {
    const file = join(tempDir(), 'borg.db');
    openMigratedDatabase({ file, autoMigrate: true, log, migrationsDir: migrationsDir(v1) }).close();
    const edited = { '0001_things.sql': 'CREATE TABLE things (id INTEGER PRIMARY KEY);' };
    expect(() => openMigratedDatabase({ file, autoMigrate: true, log, migrationsDir: migrationsDir(edited) })).toThrow(
      'migration 1 (things) was changed after it was applied',
    );
  });

  it('rejects badly named or gapped migration files', () => {
    expect(() => readMigrations(migrationsDir({ 'one.sql': 'SELECT 1;' }))).toThrow(MigrationError);
    expect(() => readMigrations(migrationsDir({ ...v1, '0003_gap.sql': 'SELECT 1;' }))).toThrow('expected migration version 2, found 3 (gap)');
  });
});
