import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase } from '../../../../src/core/db/database.js';
import type { Db } from '../../../../src/core/db/database.js';
import { openMigratedDatabase } from '../../../../src/core/db/open.js';
import { EnrollRateLimiter } from '../../../../src/features/devices/rate-limit/limiter.js';
import { RateLimitRepository } from '../../../../src/features/devices/rate-limit/repository.js';
import { tempDir } from '../../../support/stack.js';

const log = pino({ level: 'silent' });
const MINUTE = 60_000;
const M = 29_000_000;

let db: Db;
afterEach(() => closeDatabase(db));

function open(): Db {
  db = openMigratedDatabase({ file: join(tempDir(), 'borg.db'), autoMigrate: true, log });
  return db;
}

const keysLeft = (): string[] =>
  db.prepare<[], string>("SELECT key || '@' || (minute - 29000000) FROM rate_limit_hits ORDER BY minute, key").pluck().all();

describe('the rate limit counts', () => {
  it('count hits per key and minute, up to a cap, and read them back', () => {
    const hits = new RateLimitRepository(open());
    expect(hits.countHit('a', M, 3)).toBe(1);
    expect(hits.countHit('a', M, 3)).toBe(2);
    expect(hits.countHit('a', M, 3)).toBe(3);
    expect(hits.countHit('a', M, 3)).toBeUndefined();
    expect(hits.countHit('a', M + 1, 3)).toBe(1);
    expect(hits.countHit('b', M, 3)).toBe(1);
    expect(hits.hitsIn('a', M)).toBe(3);
    expect(hits.hitsIn('a', M + 1)).toBe(1);
    expect(hits.hitsIn('a', M - 1)).toBe(0);
  });

  it('prune only minutes before the one given, in batches', () => {
    const hits = new RateLimitRepository(open());
    for (const minute of [M - 3, M - 2, M - 1, M]) {
      for (const key of ['a', 'b']) hits.countHit(key, minute, 10);
    }
    expect(hits.pruneBefore(M - 1, 3)).toBe(3);
    expect(hits.pruneBefore(M - 1, 3)).toBe(1);
    expect(hits.pruneBefore(M - 1, 3)).toBe(0);
    expect(keysLeft()).toEqual(['a@-1', 'b@-1', 'a@0', 'b@0']);
  });

  it('are pruned by the limiter down to the previous minute, which the window still reads', () => {
    const limits = new EnrollRateLimiter(open(), { perAddress: 40, perKey: 12 });
    // More old rows than one prune batch.
    for (let i = 0; i < 1200; i++) limits.hit(`10.1.${i >> 8}.${i & 255}`, undefined, (M - 2) * MINUTE + 59_999);
    for (let i = 0; i < 40; i++) limits.hit('10.0.0.5', i === 0 ? 'fp' : undefined, (M - 1) * MINUTE);
    limits.hit('10.0.0.6', undefined, M * MINUTE);
    expect(limits.prune(M * MINUTE + 30_000)).toBe(1200);
    expect(keysLeft()).toEqual(['addr:10.0.0.5@-1', 'key:fp@-1', 'addr:10.0.0.6@0']);
    expect(limits.prune(M * MINUTE + 30_000)).toBe(0);
    // What is left still holds 10.0.0.5 back: its 40 weigh 20 half-way through this minute.
    const admitted = Array.from({ length: 25 }, () => {
      try {
        limits.hit('10.0.0.5', undefined, M * MINUTE + 30_000);
        return true;
      } catch {
        return false;
      }
    }).filter(Boolean).length;
    expect(admitted).toBe(20);
  });

  it('prune through the minute index', () => {
    open();
    const plan = db
      .prepare<[], { detail: string }>(
        'EXPLAIN QUERY PLAN SELECT key, minute FROM rate_limit_hits WHERE minute < 10 ORDER BY minute LIMIT 10',
      )
      .all()
      .map((r) => r.detail)
      .join('; ');
    expect(plan).toContain('USING COVERING INDEX rate_limit_hits_by_minute');
  });
});
