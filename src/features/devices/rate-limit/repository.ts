import type { Statement } from 'better-sqlite3';
import type { Db } from '../../../core/db/database.js';

/**
 * Hits per key and minute (table `rate_limit_hits`), for a sliding-window rate limit that every API replica on
 * this database shares. A minute is `floor(epoch ms / 60 000)`. SQL only: the limiter decides what the counts mean.
 */
export class RateLimitRepository {
  private readonly upsert: Statement<{ key: string; minute: number; cap: number }, { hits: number }>;
  private readonly read: Statement<{ key: string; minute: number }, number>;
  private readonly prune: Statement<{ before: number; limit: number }>;

  constructor(db: Db) {
    // Prepared once: every enrollment call counts against one or two keys.
    this.upsert = db.prepare(
      'INSERT INTO rate_limit_hits (key, minute, hits) VALUES (@key, @minute, 1) ' +
        'ON CONFLICT (key, minute) DO UPDATE SET hits = hits + 1 WHERE hits < @cap RETURNING hits',
    );
    this.read = db
      .prepare<{ key: string; minute: number }, number>('SELECT hits FROM rate_limit_hits WHERE key = @key AND minute = @minute')
      .pluck();
    this.prune = db.prepare(
      'DELETE FROM rate_limit_hits WHERE (key, minute) IN ' +
        '(SELECT key, minute FROM rate_limit_hits WHERE minute < @before ORDER BY minute LIMIT @limit)',
    );
  }

  /**
   * Counts one hit against `key` in `minute` and returns the minute's count with it, in one upsert; or undefined,
   * counting nothing, when the minute already holds `cap` hits (so a count never grows past its cap).
   */
  countHit(key: string, minute: number, cap: number): number | undefined {
    return this.upsert.get({ key, minute, cap })?.hits;
  }

  /** The hits counted against `key` in `minute`; 0 if none. */
  hitsIn(key: string, minute: number): number {
    return this.read.get({ key, minute }) ?? 0;
  }

  /** Deletes up to `limit` counts of minutes before `minute` and returns how many; small batches keep each write lock short. */
  pruneBefore(minute: number, limit = 1000): number {
    return this.prune.run({ before: minute, limit }).changes;
  }
}
