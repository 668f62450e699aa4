import type { Transaction } from 'better-sqlite3';
import type { Db } from '../../../core/db/database.js';
import { DomainError } from '../../../core/errors.js';
import { rateLimitAddress } from './client-address.js';
import { RateLimitRepository } from './repository.js';

const MINUTE_MS = 60_000;
/** Rows deleted per statement when pruning, so no prune holds the write lock for long. */
const PRUNE_BATCH = 500;
/**
 * Slack for floating point, in hits and in milliseconds: a retry exactly at `Retry-After` is not refused by a
 * rounding error, and a wait of 15 s plus a rounding error is 15 s, not 16.
 */
const EPSILON = 1e-6;

/** Enrollment calls allowed a minute (config.devices.ratePerAddress and ratePerKey). */
export interface EnrollRateLimits {
  perAddress: number;
  perKey: number;
}

interface Check {
  limit: 'address' | 'key';
  key: string;
  /** How the error message names what was counted. */
  subject: string;
  max: number;
}

interface Count {
  check: Check;
  admitted: boolean;
  /** Whole seconds until one more call would be admitted, if no other comes in between. */
  retryAfterS: number;
}

/**
 * The rate limit of `POST /api/agent/enroll/request` and `/poll`: per client address (an IPv6 client's whole
 * /64) and per device key fingerprint, counted in the database so that every API replica on it shares the limit.
 *
 * A sliding window over two fixed minutes: the estimate of the last 60 s is the previous minute's count, weighted
 * by the part of it still inside the window, plus this minute's count, this call included. A call is admitted while
 * the estimate is at most the limit.
 *
 * Refused calls count too, against the address and the key: a client that keeps calling at the limit stays
 * limited rather than getting a call through whenever the window slides a little. But a minute's count stops at
 * the limit (refused calls beyond it are not recorded), so however hard a client hammers, once it stops it is
 * admitted again by about a minute later: at the latest 60 s / limit into the next minute.
 */
export class EnrollRateLimiter {
  private readonly hits: RateLimitRepository;
  private readonly countAll: Transaction<(checks: Check[], nowMs: number) => Count[]>;

  constructor(
    db: Db,
    private readonly limits: EnrollRateLimits,
  ) {
    this.hits = new RateLimitRepository(db);
    this.countAll = db.transaction((checks: Check[], nowMs: number) => checks.map((check) => this.count(check, nowMs)));
  }

  /**
   * Counts one enrollment call from `address` and for the device key `fingerprint`, each when known (the address
   * before the body is read, the key once the body names it); throws `rate_limited` (429, with
   * `details.retry_after_s` for `Retry-After`) when either is over its limit.
   */
  hit(address: string | undefined, fingerprint: string | undefined, nowMs = Date.now()): void {
    this.check([...(address ? [this.addressCheck(address)] : []), ...(fingerprint ? [this.keyCheck(fingerprint)] : [])], nowMs);
  }

  private addressCheck(address: string): Check {
    const bucket = rateLimitAddress(address);
    return { limit: 'address', key: `addr:${bucket}`, subject: `from ${bucket}`, max: this.limits.perAddress };
  }

  private keyCheck(fingerprint: string): Check {
    return { limit: 'key', key: `key:${fingerprint}`, subject: `for device key ${fingerprint}`, max: this.limits.perKey };
  }

  private check(checks: Check[], nowMs: number): void {
    // IMMEDIATE takes the write lock before the first read: two replicas cannot both read the same counts and both
    // admit, and no read-then-write upgrade fails with SQLITE_BUSY. The refusal is thrown after the commit, so
    // refused calls stay counted.
    const counts = this.countAll.immediate(checks, nowMs);
    const refused = counts.filter((c) => !c.admitted).sort((a, b) => b.retryAfterS - a.retryAfterS)[0];
    if (!refused) return;
    const { check, retryAfterS } = refused;
    throw new DomainError(
      'rate_limited',
      'rate_limited',
      `more than ${check.max} enrollment calls a minute ${check.subject}; retry in ${retryAfterS} s`,
      { retry_after_s: retryAfterS, limit: check.limit },
    );
  }

  /** Deletes the counts no estimate reads any more (minutes before the previous one), in small batches; returns how many. */
  prune(nowMs = Date.now()): number {
    const before = Math.floor(nowMs / MINUTE_MS) - 1;
    let total = 0;
    for (;;) {
      const deleted = this.hits.pruneBefore(before, PRUNE_BATCH);
      total += deleted;
      if (deleted < PRUNE_BATCH) return total;
    }
  }

  private count(check: Check, nowMs: number): Count {
    const minute = Math.floor(nowMs / MINUTE_MS);
    const intoMs = nowMs - minute * MINUTE_MS;
    const previous = this.hits.hitsIn(check.key, minute - 1);
    const counted = this.hits.countHit(check.key, minute, check.max);
    // Not counted: this minute already holds `max`, and this call would make it max + 1.
    const estimate = previous * (1 - intoMs / MINUTE_MS) + (counted ?? check.max + 1);
    if (estimate <= check.max + EPSILON) return { check, admitted: true, retryAfterS: 0 };
    const waitMs = msUntilRoom(previous, counted ?? check.max, check.max, intoMs);
    return { check, admitted: false, retryAfterS: Math.min(60, Math.max(1, Math.ceil((waitMs - EPSILON) / 1000))) };
  }
}

/**
 * How long until one more call fits under `max`, if none comes in between: `previous` and `current` are the counts
 * of the previous and this minute, `intoMs` how far this minute is. Can be more than a minute (a client that used
 * its whole limit in this minute's first second waits for the next minute, then for a little of it to pass); the
 * caller caps what it tells the client at 60 s.
 */
function msUntilRoom(previous: number, current: number, max: number, intoMs: number): number {
  const room = max - 1 - current;
  if (room >= 0) {
    // Later this minute, once the previous minute's share has shrunk to `room`.
    const fraction = previous === 0 ? 0 : 1 - room / previous;
    return Math.max(0, fraction * MINUTE_MS - intoMs);
  }
  // Next minute, once this minute's share has shrunk to max - 1.
  const fraction = Math.max(0, 1 - (max - 1) / current);
  return MINUTE_MS - intoMs + fraction * MINUTE_MS;
}
