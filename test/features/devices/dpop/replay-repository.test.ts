import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { closeDatabase } from '../../../../src/core/db/database.js';
import { openMigratedDatabase } from '../../../../src/core/db/open.js';
import { DpopReplayRepository } from '../../../../src/features/devices/dpop/replay-repository.js';
import { tempDir } from '../../../support/stack.js';

const log = pino({ level: 'silent' });
const at = (ms: number): string => new Date(ms).toISOString();

describe('the DPoP jti replay store', () => {
  it('lets a jti through once per key, and still refuses it after the database is reopened', () => {
    const file = join(tempDir(), 'borg.db');
    const db = openMigratedDatabase({ file, autoMigrate: true, log });
    const replays = new DpopReplayRepository(db);
    const until = at(Date.now() + 60_000);
    expect(replays.firstUse('key-a', 'jti-1', until)).toBe(true);
    expect(replays.firstUse('key-a', 'jti-1', until)).toBe(false);
    // Another client's ids are its own.
    expect(replays.firstUse('key-b', 'jti-1', until)).toBe(true);
    closeDatabase(db);

    const reopened = openMigratedDatabase({ file, autoMigrate: true, log });
    expect(new DpopReplayRepository(reopened).firstUse('key-a', 'jti-1', until)).toBe(false);
    closeDatabase(reopened);
  });

  it('prunes only expired entries, in batches, after which an expired id is free again', () => {
    const db = openMigratedDatabase({ file: join(tempDir(), 'borg.db'), autoMigrate: true, log });
    const replays = new DpopReplayRepository(db);
    const now = Date.now();
    for (let i = 0; i < 5; i++) replays.firstUse('k', `old-${i}`, at(now - 1000 - i));
    replays.firstUse('k', 'live', at(now + 60_000));
    expect(replays.pruneExpired(at(now), 3)).toBe(3);
    expect(replays.pruneExpired(at(now), 3)).toBe(2);
    expect(replays.pruneExpired(at(now), 3)).toBe(0);
    expect(replays.firstUse('k', 'old-0', at(now + 60_000))).toBe(true);
    expect(replays.firstUse('k', 'live', at(now + 60_000))).toBe(false);
    expect(db.prepare('SELECT count(*) AS n FROM dpop_jtis').get()).toEqual({ n: 2 });
    closeDatabase(db);
  });

  it('prunes through the expiry index', () => {
    const db = openMigratedDatabase({ file: join(tempDir(), 'borg.db'), autoMigrate: true, log });
    const plan = db
      .prepare<[], { detail: string }>(
        "EXPLAIN QUERY PLAN SELECT jkt, jti FROM dpop_jtis WHERE expires_at < '2030' ORDER BY expires_at LIMIT 10",
      )
      .all()
      .map((r) => r.detail)
      .join('; ');
    expect(plan).toContain('USING COVERING INDEX dpop_jtis_by_expiry');
    closeDatabase(db);
  });

  it('lets exactly one of two replicas through when both use the same jtis at the same moment', async () => {
    const file = join(tempDir(), 'borg.db');
    closeDatabase(openMigratedDatabase({ file, autoMigrate: true, log }));
    const count = 5000;
    const racer = new URL('./replay-racer.ts', import.meta.url).pathname;
    const startAt = String(Date.now() + 3000);
    // One walks the ids forward, the other backward: they meet somewhere in the middle and contend there.
    const race = (order: string) => promisify(execFile)(process.execPath, ['--import', 'tsx', racer, file, startAt, String(count), order]);
    const [a, b] = await Promise.all([race('forward'), race('backward')]);
    const wonByA: string[] = JSON.parse(a.stdout);
    const wonByB: string[] = JSON.parse(b.stdout);
    // Every id won, and none twice.
    expect(new Set([...wonByA, ...wonByB]).size).toBe(count);
    expect(wonByA.length + wonByB.length).toBe(count);
  });
});
