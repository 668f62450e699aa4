import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase } from '../../../../src/core/db/database.js';
import type { Db } from '../../../../src/core/db/database.js';
import { openMigratedDatabase } from '../../../../src/core/db/open.js';
import { DomainError } from '../../../../src/core/errors.js';
import { EnrollRateLimiter } from '../../../../src/features/devices/rate-limit/limiter.js';
import { tempDir } from '../../../support/stack.js';

const log = pino({ level: 'silent' });
const MINUTE = 60_000;
/** The start of some minute, far from the clock, so tests say exactly where in a minute each call is. */
const M = 29_000_000 * MINUTE;

const opened: Db[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) closeDatabase(db);
});

function open(file = join(tempDir(), 'borg.db')): Db {
  const db = openMigratedDatabase({ file, autoMigrate: true, log });
  opened.push(db);
  return db;
}

function limiter(db = open()): EnrollRateLimiter {
  return new EnrollRateLimiter(db, { perAddress: 40, perKey: 12 });
}

/** The rate_limited error a call is refused with, or undefined if it was admitted. */
function refusal(call: () => void): DomainError | undefined {
  try {
    call();
    return undefined;
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'rate_limited') return err;
    throw err;
  }
}

/** How many of `n` calls were admitted. */
function admitted(n: number, call: (i: number) => void): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (!refusal(() => call(i))) ok++;
  return ok;
}

describe('the enrollment rate limit', () => {
  it('admits 40 calls a minute from one address and refuses the 41st, saying how long to wait', () => {
    const limits = limiter();
    const t = M + 10_000;
    for (let i = 0; i < 40; i++) limits.hit('10.0.0.5', undefined, t + i);
    const err = refusal(() => limits.hit('10.0.0.5', undefined, t + 40));
    expect(err).toBeInstanceOf(DomainError);
    expect(err!.code).toBe('rate_limited');
    const retry = err!.details!.retry_after_s as number;
    expect(Number.isInteger(retry)).toBe(true);
    // 50 s to the next minute, then 1.5 s until the previous minute's 40 weigh 39.
    expect(retry).toBe(52);
    expect(err!.details).toEqual({ retry_after_s: 52, limit: 'address' });
    expect(err!.message).toBe('more than 40 enrollment calls a minute from 10.0.0.5; retry in 52 s');
  });

  it('admits 12 calls a minute for one device key, from any addresses, and then refuses it', () => {
    const limits = limiter();
    for (let i = 0; i < 12; i++) limits.hit(`10.0.1.${i}`, 'fp-a', M + i);
    const err = refusal(() => limits.hit('10.0.2.1', 'fp-a', M + 20));
    expect(err!.details).toMatchObject({ limit: 'key' });
    expect(err!.details!.retry_after_s).toBeGreaterThanOrEqual(1);
    expect(err!.details!.retry_after_s).toBeLessThanOrEqual(60);
    expect(err!.message).toMatch(/^more than 12 enrollment calls a minute for device key fp-a; retry in \d+ s$/);
    // Another key, and the same addresses without a key, are not held back.
    expect(refusal(() => limits.hit('10.0.2.1', 'fp-b', M + 21))).toBeUndefined();
    expect(refusal(() => limits.hit('10.0.1.0', undefined, M + 22))).toBeUndefined();
  });

  it('keeps addresses and keys apart', () => {
    const limits = limiter();
    expect(admitted(45, (i) => limits.hit('10.0.0.5', undefined, M + i))).toBe(40);
    expect(admitted(45, (i) => limits.hit('10.0.0.6', undefined, M + i))).toBe(40);
    expect(admitted(45, (i) => limits.hit('2001:db8:1:2::1', undefined, M + i))).toBe(40);
    expect(admitted(15, (i) => limits.hit('10.0.3.1', 'fp-a', M + i))).toBe(12);
    expect(admitted(15, (i) => limits.hit('10.0.3.2', 'fp-b', M + i))).toBe(12);
  });

  it('counts a whole IPv6 /64 as one address, and an IPv4-mapped address as the IPv4 one', () => {
    const limits = limiter();
    for (let i = 0; i < 40; i++) limits.hit(`2001:db8:1:2::${(i + 1).toString(16)}`, undefined, M + i);
    const err = refusal(() => limits.hit('2001:db8:1:2:ffff:ffff:ffff:ffff', undefined, M + 50));
    expect(err!.message).toMatch(/^more than 40 enrollment calls a minute from 2001:db8:1:2::\/64; retry in/);
    expect(refusal(() => limits.hit('2001:db8:1:3::1', undefined, M + 51))).toBeUndefined();

    for (let i = 0; i < 20; i++) limits.hit('10.0.0.5', undefined, M + i);
    for (let i = 0; i < 20; i++) limits.hit('::ffff:10.0.0.5', undefined, M + i);
    expect(refusal(() => limits.hit('::ffff:10.0.0.5', undefined, M + 50))!.message).toContain('from 10.0.0.5;');
  });

  it('slides: the previous minute weighs what is left of it in the window', () => {
    const limits = limiter();
    for (let i = 0; i < 40; i++) limits.hit('10.0.0.5', undefined, M + i);
    // Half-way through the next minute the 40 weigh 20: 20 more fit, and the 21st waits until they weigh 18.
    const half = M + MINUTE + 30_000;
    expect(admitted(20, () => limits.hit('10.0.0.5', undefined, half))).toBe(20);
    const err = refusal(() => limits.hit('10.0.0.5', undefined, half));
    expect(err!.details!.retry_after_s).toBe(3);
    expect(refusal(() => limits.hit('10.0.0.5', undefined, half + 3_000))).toBeUndefined();
  });

  it('frees an address a minute after it used its limit', () => {
    const limits = limiter();
    const t = M + 10_000;
    for (const address of ['10.0.0.5', '10.0.0.6']) for (let i = 0; i < 40; i++) limits.hit(address, undefined, t);
    // A minute later the first minute still weighs 40 × 49/60 ≈ 32.7: seven more fit.
    expect(admitted(10, () => limits.hit('10.0.0.5', undefined, t + 61_000))).toBe(7);
    // Two minutes later it weighs nothing.
    expect(admitted(45, () => limits.hit('10.0.0.6', undefined, t + 2 * MINUTE))).toBe(40);
  });

  it('admits a retry made when Retry-After says, and not one made a second earlier', () => {
    let checked = 0;
    for (let start = 0; start < 2 * MINUTE; start += 3_700) {
      // Two addresses with the same history: one tries a second early (and is refused, which counts), the other on time.
      const limits = limiter();
      for (const address of ['10.0.0.1', '10.0.0.2']) {
        for (let i = 0; i < 30; i++) limits.hit(address, undefined, M + start - MINUTE + i * 1_000);
        for (let i = 0; i < 40; i++) refusal(() => limits.hit(address, undefined, M + start + i * 100));
      }
      const now = M + start + 5_000;
      const err = refusal(() => limits.hit('10.0.0.1', undefined, now));
      expect(refusal(() => limits.hit('10.0.0.2', undefined, now))).toBeDefined();
      const retry = err!.details!.retry_after_s as number;
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(60);
      if (retry > 1) expect(refusal(() => limits.hit('10.0.0.1', undefined, now + (retry - 1) * 1_000))).toBeDefined();
      if (retry < 60) {
        expect(refusal(() => limits.hit('10.0.0.2', undefined, now + retry * 1_000))).toBeUndefined();
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('counts refused calls, so hammering keeps a client out, but only up to the limit, so it is let in soon after it stops', () => {
    const db = open();
    const limits = limiter(db);
    // Two clients with the same history: each uses its 40, then calls twice a second through the next minute and
    // gets nothing through, as each refusal counts...
    for (const address of ['10.0.0.5', '10.0.0.7']) {
      for (let i = 0; i < 40; i++) limits.hit(address, undefined, M + i);
      expect(admitted(120, (i) => limits.hit(address, undefined, M + MINUTE + i * 500))).toBe(0);
    }
    // ...but a minute never holds more than the limit.
    const rows = db.prepare('SELECT minute, hits FROM rate_limit_hits WHERE key = ? ORDER BY minute').all('addr:10.0.0.5');
    expect(rows).toEqual([
      { minute: M / MINUTE, hits: 40 },
      { minute: M / MINUTE + 1, hits: 40 },
    ]);
    // So having stopped at the end of that minute, a client is let in 1.5 s into the next (when the 40 weigh 39).
    const after = M + 2 * MINUTE;
    expect(refusal(() => limits.hit('10.0.0.7', undefined, after + 1_500))).toBeUndefined();
    // A try 1 s in is refused (40 × 59/60 + 1 ≈ 40.3) and counted: the next fits when the 40 weigh 38, at 3 s.
    const early = refusal(() => limits.hit('10.0.0.5', undefined, after + 1_000));
    expect(early!.details!.retry_after_s).toBe(2);
    expect(refusal(() => limits.hit('10.0.0.5', undefined, after + 3_000))).toBeUndefined();
  });

  it('counts a refused call against the address and the key alike', () => {
    const db = open();
    const limits = limiter(db);
    for (let i = 0; i < 40; i++) limits.hit('10.0.0.5', undefined, M);
    expect(refusal(() => limits.hit('10.0.0.5', 'fp-a', M))!.details).toMatchObject({ limit: 'address' });
    expect(db.prepare('SELECT hits FROM rate_limit_hits WHERE key = ?').pluck().get('key:fp-a')).toBe(1);
  });

  it('names the limit that holds the client back longer when both are over', () => {
    const limits = limiter();
    for (let i = 0; i < 12; i++) limits.hit(`10.0.1.${i}`, 'fp-a', M + 50_000);
    for (let i = 0; i < 40; i++) limits.hit('10.0.0.5', undefined, M + 50_000);
    // Both are full at second 50. The address waits 10 s for the next minute, then 1.5 s until its 40 weigh 39;
    // the key 10 s, then 5 s until its 12 weigh 11.
    const err = refusal(() => limits.hit('10.0.0.5', 'fp-a', M + 50_000));
    expect(err!.details).toEqual({ retry_after_s: 15, limit: 'key' });
    expect(refusal(() => limits.hit('10.0.0.5', undefined, M + 50_000))!.details).toEqual({ retry_after_s: 12, limit: 'address' });
  });

  it('holds across two processes hammering one database file: no more than the limit gets through in total', async () => {
    const file = join(tempDir(), 'borg.db');
    closeDatabase(openMigratedDatabase({ file, autoMigrate: true, log }));
    const racer = new URL('./limiter-racer.ts', import.meta.url).pathname;
    const startAt = String(Date.now() + 3000);
    const nowMs = String(M + 20_000);
    // Limits far above the default, so that admitting takes long enough for the two to contend throughout.
    const [perAddress, perKey] = [1000, 300];
    const race = (ownAddress: string) =>
      promisify(execFile)(process.execPath, [
        '--import',
        'tsx',
        racer,
        file,
        startAt,
        '3000',
        nowMs,
        ownAddress,
        `${perAddress}`,
        `${perKey}`,
      ]);
    const [a, b] = await Promise.all([race('10.7.0.1'), race('10.7.0.2')]);
    const byA: { address: number; key: number } = JSON.parse(a.stdout);
    const byB: { address: number; key: number } = JSON.parse(b.stdout);
    expect(byA.address + byB.address).toBe(perAddress);
    expect(byA.key + byB.key).toBe(perKey);
    const db = open(file);
    const hits = db.prepare<[string], number>('SELECT hits FROM rate_limit_hits WHERE key = ?').pluck();
    expect(hits.get('addr:10.9.9.9')).toBe(perAddress);
    expect(hits.get('key:race-key')).toBe(perKey);
  });
});
