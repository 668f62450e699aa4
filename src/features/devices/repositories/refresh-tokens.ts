import type { Db } from '../../../core/db/database.js';

export interface RefreshFamilyRow {
  id: string;
  device_id: string;
  jkt: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_reason: string | null;
}

/** A refresh token as stored (its hash), with its family. */
export interface RefreshTokenRow {
  token_hash: string;
  family_id: string;
  created_at: string;
  /** Idle expiry: unused this long, the token is dead. */
  expires_at: string;
  rotated_at: string | null;
  family: RefreshFamilyRow;
}

/** The only SQL on `refresh_families` and `refresh_tokens`. */
export class RefreshRepository {
  private readonly findStmt;
  private readonly insertTokenStmt;
  private readonly rotateStmt;

  constructor(private readonly db: Db) {
    this.findStmt = db.prepare<[string], Record<string, string | null>>(
      `SELECT t.token_hash, t.family_id, t.created_at, t.expires_at, t.rotated_at,
              f.device_id, f.jkt, f.created_at AS family_created_at, f.expires_at AS family_expires_at, f.revoked_at, f.revoked_reason
       FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id WHERE t.token_hash = ?`,
    );
    this.insertTokenStmt = db.prepare(
      'INSERT INTO refresh_tokens (token_hash, family_id, created_at, expires_at) VALUES (@token_hash, @family_id, @created_at, @expires_at)',
    );
    this.rotateStmt = db.prepare('UPDATE refresh_tokens SET rotated_at = ? WHERE token_hash = ? AND rotated_at IS NULL');
  }

  insertFamily(row: Omit<RefreshFamilyRow, 'revoked_at' | 'revoked_reason'>): void {
    this.db
      .prepare(
        'INSERT INTO refresh_families (id, device_id, jkt, created_at, expires_at) VALUES (@id, @device_id, @jkt, @created_at, @expires_at)',
      )
      .run(row);
  }

  insertToken(row: { token_hash: string; family_id: string; created_at: string; expires_at: string }): void {
    this.insertTokenStmt.run(row);
  }

  find(tokenHash: string): RefreshTokenRow | undefined {
    const r = this.findStmt.get(tokenHash);
    if (!r) return undefined;
    return {
      token_hash: r.token_hash!,
      family_id: r.family_id!,
      created_at: r.created_at!,
      expires_at: r.expires_at!,
      rotated_at: r.rotated_at ?? null,
      family: {
        id: r.family_id!,
        device_id: r.device_id!,
        jkt: r.jkt!,
        created_at: r.family_created_at!,
        expires_at: r.family_expires_at!,
        revoked_at: r.revoked_at ?? null,
        revoked_reason: r.revoked_reason ?? null,
      },
    };
  }

  /** Marks a token used; false if it was used already (by a racing refresh, or a replay). */
  rotate(tokenHash: string, now: string): boolean {
    return this.rotateStmt.run(now, tokenHash).changes === 1;
  }

  revokeFamily(familyId: string, reason: string, now: string): boolean {
    return (
      this.db
        .prepare('UPDATE refresh_families SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL')
        .run(now, reason, familyId).changes === 1
    );
  }

  /** Revokes every live family of a device and returns their ids. */
  revokeDeviceFamilies(deviceId: string, reason: string, now: string): string[] {
    return this.db
      .prepare<[string, string, string], { id: string }>(
        'UPDATE refresh_families SET revoked_at = ?, revoked_reason = ? WHERE device_id = ? AND revoked_at IS NULL RETURNING id',
      )
      .all(now, reason, deviceId)
      .map((r) => r.id);
  }
}
