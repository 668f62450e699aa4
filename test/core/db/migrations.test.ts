import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/core/db/database.js';
import { migrate, MigrationError, readMigrations } from '../../../src/core/db/migrations.js';
import { openMigratedDatabase } from '../../../src/core/db/open.js';
import { decisionsQuery } from '../../../src/audit/audit-log.js';
import type { DecisionFilter } from '../../../src/audit/audit-log.js';
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
  const names = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((r) => r.name);
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
    const versions = db
      .prepare<[], { version: number }>('SELECT version FROM schema_migrations')
      .all()
      .map((r) => r.version);
    expect(versions).toEqual(readMigrations().map((m) => m.version));
    db.close();
  });

  it('answers the lookups of revokes, new requests and newest-first pages from indexes, sorting nothing', () => {
    const db = openMigratedDatabase({ file: join(tempDir(), 'borg.db'), autoMigrate: true, log });
    const plan = (sql: string, params: Record<string, string | number> = {}): string =>
      db
        .prepare<Record<string, string | number>, { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
        .all(params)
        .map((r) => r.detail)
        .join('; ');
    expect(plan("SELECT * FROM grant_requests WHERE grant_id = 'grt_1'")).toContain('USING INDEX grant_requests_by_grant');
    expect(plan("SELECT * FROM grant_requests WHERE status = 'pending' AND engine_id = 'eng_1'")).toContain(
      'USING INDEX grant_requests_pending',
    );
    const decisions = (filter: Omit<DecisionFilter, 'limit'>): string => {
      const { sql, params } = decisionsQuery({ limit: 100, ...filter });
      return plan(sql, { ...params, lo: 1, hi: 9 });
    };
    const pages: Record<string, [plan: string, access: string]> = {
      // A slice of the table, walked back from its end: the rowid is seq.
      decisions: [decisions({}), 'USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)'],
      'decisions denied': [decisions({ allowed: false }), 'USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)'],
      'decisions of an engine': [
        decisions({ engine_id: 'e' }),
        'USING INDEX audit_decisions_by_engine (kind=? AND engine_id=? AND rowid>? AND rowid<?)',
      ],
      'decisions on a platform': [
        decisions({ platform: 'p', since: '2030-01-01T00:00:00.000Z' }),
        'USING INDEX audit_decisions_by_platform',
      ],
      events: [plan('SELECT * FROM engine_events ORDER BY created_at DESC, id DESC LIMIT 100'), 'USING INDEX'],
      'events of an engine': [
        plan("SELECT * FROM engine_events WHERE engine_id = 'e' ORDER BY created_at DESC, id DESC LIMIT 100"),
        'USING INDEX',
      ],
    };
    for (const [name, [found, access]] of Object.entries(pages)) {
      expect([name, found]).toEqual([name, expect.stringContaining(access)]);
      expect([name, found]).toEqual([name, expect.not.stringContaining('TEMP B-TREE')]);
    }
    db.close();
  });

  it('keeps, for each engine action, the grant that ended last, backfilled from the history a database already has', () => {
    const file = join(tempDir(), 'borg.db');
    const before = readMigrations().filter((m) => m.version < 7);
    const dir = migrationsDir(Object.fromEntries(before.map((m) => [`${String(m.version).padStart(4, '0')}_${m.name}.sql`, m.sql])));
    const old = openMigratedDatabase({ file, autoMigrate: true, log, migrationsDir: dir });
    old.exec(`INSERT INTO engines (id, name, status, key_hash, created_at, key_rotated_at) VALUES ('e', 'e', 'active', '${'0'.repeat(64)}', '2030-01-01', '2030-01-01');
              INSERT INTO platforms (id, name, status, version, updated_at) VALUES ('p', 'P', 'active', '1', '2030-01-01')`);
    const grant = old.prepare(
      "INSERT INTO grants (id, engine_id, platform_id, action_type, scopes, status, created_at, ended_at) VALUES (?, 'e', 'p', ?, '[]', ?, '2030-01-01', ?)",
    );
    grant.run('g1', 'send', 'expired', '2030-01-02');
    grant.run('g2', 'send', 'revoked', '2030-01-03');
    grant.run('g3', 'read', 'expired', '2030-01-02');
    old.close();
    const db = openMigratedDatabase({ file, autoMigrate: true, log });
    const lastEnded = () =>
      db
        .prepare<[], { action_type: string; grant_id: string }>('SELECT action_type, grant_id FROM grant_last_ended ORDER BY action_type')
        .all();
    expect(lastEnded()).toEqual([
      { action_type: 'read', grant_id: 'g3' },
      { action_type: 'send', grant_id: 'g2' },
    ]);
    db.exec(`INSERT INTO grants (id, engine_id, platform_id, action_type, scopes, status, created_at) VALUES ('g4', 'e', 'p', 'send', '[]', 'active', '2030-01-04');
             UPDATE grants SET status = 'expired', ended_at = '2030-01-05' WHERE id = 'g4'`);
    expect(lastEnded()).toEqual([
      { action_type: 'read', grant_id: 'g3' },
      { action_type: 'send', grant_id: 'g4' },
    ]);
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

  it('applies each migration once when two processes migrate one new database at the same moment', () => {
    const file = join(tempDir(), 'borg.db');
    const shipped = readMigrations();
    const first = openDatabase(file);
    const second = openDatabase(file);
    // The second reads its status (everything pending) and, before it applies anything, the first migrates.
    let overtaken = false;
    const racing = new Proxy(shipped, {
      get(target, key, receiver) {
        if (key === 'slice' && !overtaken) {
          overtaken = true;
          expect(migrate(first, shipped)).toEqual(shipped.map((m) => m.version));
        }
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    expect(migrate(second, racing)).toEqual([]);
    expect(second.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: shipped.length });
    first.close();
    second.close();
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
    expect(() => readMigrations(migrationsDir({ ...v1, '0003_gap.sql': 'SELECT 1;' }))).toThrow(
      'expected migration version 2, found 3 (gap)',
    );
  });
});
