import type { Statement } from 'better-sqlite3';
import type { Db } from '../../../core/db/database.js';

/** An install code as kept, without its hash. */
export interface InstallCode {
  id: string;
  tags: string[];
  profile: string | null;
  auto_approve: boolean;
  note: string;
  max_uses: number;
  uses: number;
  expires_at: string;
  created_at: string;
  created_by: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

interface InstallCodeRow extends Omit<InstallCode, 'tags' | 'auto_approve'> {
  code_hash: string;
  tags: string;
  auto_approve: number;
}

/** Every column but the hash, which no reader needs. */
const COLUMNS = 'id, tags, profile, auto_approve, note, max_uses, uses, expires_at, created_at, created_by, last_used_at, revoked_at';

const fromRow = ({ tags, auto_approve, ...rest }: Omit<InstallCodeRow, 'code_hash'>): InstallCode => ({
  ...rest,
  tags: JSON.parse(tags) as string[],
  auto_approve: auto_approve === 1,
});

/** The table `install_codes`: the only SQL that touches it. */
export class InstallCodeRepository {
  private readonly takeUseStmt: Statement<{ code_hash: string; now: string }, Omit<InstallCodeRow, 'code_hash'>>;
  private readonly byHashStmt: Statement<[string], Omit<InstallCodeRow, 'code_hash'>>;

  constructor(private readonly db: Db) {
    // Prepared once: enrollment redeems codes.
    this.takeUseStmt = db.prepare(
      `UPDATE install_codes SET uses = uses + 1, last_used_at = @now
       WHERE code_hash = @code_hash AND revoked_at IS NULL AND expires_at > @now AND uses < max_uses
       RETURNING ${COLUMNS}`,
    );
    this.byHashStmt = db.prepare(`SELECT ${COLUMNS} FROM install_codes WHERE code_hash = ?`);
  }

  insert(code: InstallCode, codeHash: string): void {
    this.db
      .prepare(
        `INSERT INTO install_codes (id, code_hash, tags, profile, auto_approve, note, max_uses, uses, expires_at, created_at, created_by, last_used_at, revoked_at)
         VALUES (@id, @code_hash, @tags, @profile, @auto_approve, @note, @max_uses, @uses, @expires_at, @created_at, @created_by, @last_used_at, @revoked_at)`,
      )
      .run({ ...code, code_hash: codeHash, tags: JSON.stringify(code.tags), auto_approve: code.auto_approve ? 1 : 0 });
  }

  get(id: string): InstallCode | undefined {
    const row = this.db.prepare<[string], Omit<InstallCodeRow, 'code_hash'>>(`SELECT ${COLUMNS} FROM install_codes WHERE id = ?`).get(id);
    return row && fromRow(row);
  }

  list(): InstallCode[] {
    return this.db
      .prepare<[], Omit<InstallCodeRow, 'code_hash'>>(`SELECT ${COLUMNS} FROM install_codes ORDER BY created_at, id`)
      .all()
      .map(fromRow);
  }

  revoke(id: string, at: string): boolean {
    return this.db.prepare('UPDATE install_codes SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes === 1;
  }

  /**
   * Takes one use of the live code with this hash, at `now` (stored form), and returns it as it is after that use;
   * undefined when there is no such code, or it is revoked, expired or used up. One statement, so of two replicas
   * racing for a code's last use only one gets it.
   */
  takeUse(codeHash: string, now: string): InstallCode | undefined {
    const row = this.takeUseStmt.get({ code_hash: codeHash, now });
    return row && fromRow(row);
  }

  /** Gives back one use, taken by an enrollment that could not start. */
  returnUse(id: string): void {
    this.db.prepare('UPDATE install_codes SET uses = uses - 1 WHERE id = ? AND uses > 0').run(id);
  }

  byHash(codeHash: string): InstallCode | undefined {
    const row = this.byHashStmt.get(codeHash);
    return row && fromRow(row);
  }
}
