import type { Statement } from 'better-sqlite3';
import type { Db } from '../../../core/db/database.js';

/**
 * The DPoP jti replay store (table `dpop_jtis`). It lives in the database, so it survives restarts and every
 * API replica on that database shares it.
 */
export class DpopReplayRepository {
  private readonly insert: Statement<{ jkt: string; jti: string; expires_at: string }>;
  private readonly prune: Statement<{ now: string; limit: number }>;

  constructor(db: Db) {
    // Prepared once: a claim runs on every device call.
    this.insert = db.prepare(
      'INSERT INTO dpop_jtis (jkt, jti, expires_at) VALUES (@jkt, @jti, @expires_at) ON CONFLICT (jkt, jti) DO NOTHING',
    );
    this.prune = db.prepare(
      'DELETE FROM dpop_jtis WHERE (jkt, jti) IN (SELECT jkt, jti FROM dpop_jtis WHERE expires_at < @now ORDER BY expires_at LIMIT @limit)',
    );
  }

  /**
   * Records the first use of a proof's jti, kept until `expiresAt` (ISO time); false if it was already used.
   * One insert-if-absent statement: of two racing uses, in one process or on two replicas, exactly one wins.
   */
  firstUse(jkt: string, jti: string, expiresAt: string): boolean {
    return this.insert.run({ jkt, jti, expires_at: expiresAt }).changes === 1;
  }

  /** Deletes up to `limit` entries that expired before `now` and returns how many; small batches keep each write lock short. */
  pruneExpired(now: string, limit = 1000): number {
    return this.prune.run({ now, limit }).changes;
  }
}
