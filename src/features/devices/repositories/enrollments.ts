import type { Db } from '../../../core/db/database.js';

export type EnrollmentStatus = 'pending' | 'approved' | 'denied' | 'expired';
/** Who approves: an operator, the install code's auto-approve, or a preauthorization of the key. */
export type Approval = 'operator' | 'install_code' | 'preauthorized';

export interface EnrollmentRow {
  reference: string;
  fingerprint: string;
  public_key: string;
  hostname: string;
  /** JSON array. */
  tags: string;
  profile: string | null;
  install_code_id: string | null;
  approval: Approval;
  server_nonce: string;
  client_address: string;
  status: EnrollmentStatus;
  reason: string | null;
  device_id: string | null;
  decided_by: string | null;
  decided_at: string | null;
  deadline_at: string;
  delivered_at: string | null;
  created_at: string;
}

export interface Settlement {
  status: Exclude<EnrollmentStatus, 'pending'>;
  reason: string | null;
  device_id: string | null;
  decided_by: string | null;
  decided_at: string;
}

/** The only SQL on `enrollments`. */
export class EnrollmentRepository {
  private readonly getStmt;
  private readonly openStmt;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare<[string], EnrollmentRow>('SELECT * FROM enrollments WHERE reference = ?');
    this.openStmt = db.prepare<[string], EnrollmentRow>(
      `SELECT * FROM enrollments WHERE fingerprint = ? AND (status = 'pending' OR (status = 'approved' AND delivered_at IS NULL))
       ORDER BY created_at DESC LIMIT 1`,
    );
  }

  insert(row: EnrollmentRow): void {
    this.db
      .prepare(
        `INSERT INTO enrollments (reference, fingerprint, public_key, hostname, tags, profile, install_code_id, approval, server_nonce,
           client_address, status, reason, device_id, decided_by, decided_at, deadline_at, delivered_at, created_at)
         VALUES (@reference, @fingerprint, @public_key, @hostname, @tags, @profile, @install_code_id, @approval, @server_nonce,
           @client_address, @status, @reason, @device_id, @decided_by, @decided_at, @deadline_at, @delivered_at, @created_at)`,
      )
      .run(row);
  }

  get(reference: string): EnrollmentRow | undefined {
    return this.getStmt.get(reference);
  }

  /** The key's enrollment still in progress: pending, or approved with its credentials not yet collected. */
  open(fingerprint: string): EnrollmentRow | undefined {
    return this.openStmt.get(fingerprint);
  }

  /** Newest first; `before` is the reference of the last row of the previous page. */
  list(filter: { status?: EnrollmentStatus; fingerprint?: string; before?: string; limit: number }): EnrollmentRow[] {
    const where = ['1 = 1'];
    const params: Record<string, string | number> = { limit: filter.limit };
    if (filter.status) {
      where.push('status = @status');
      params.status = filter.status;
    }
    if (filter.fingerprint) {
      where.push('fingerprint = @fingerprint');
      params.fingerprint = filter.fingerprint;
    }
    if (filter.before) {
      where.push('(created_at, reference) < (SELECT created_at, reference FROM enrollments WHERE reference = @before)');
      params.before = filter.before;
    }
    return this.db
      .prepare<Record<string, string | number>, EnrollmentRow>(
        `SELECT * FROM enrollments WHERE ${where.join(' AND ')} ORDER BY created_at DESC, reference DESC LIMIT @limit`,
      )
      .all(params);
  }

  /** Settles a pending enrollment; false when it was settled already. */
  settle(reference: string, s: Settlement): boolean {
    return (
      this.db
        .prepare(
          `UPDATE enrollments SET status = @status, reason = @reason, device_id = @device_id, decided_by = @decided_by, decided_at = @decided_at
           WHERE reference = @reference AND status = 'pending'`,
        )
        .run({ reference, ...s }).changes === 1
    );
  }

  /** Marks an approved enrollment's credentials as handed out; false if they were already (they go out once). */
  markDelivered(reference: string, now: string): boolean {
    return (
      this.db
        .prepare(`UPDATE enrollments SET delivered_at = ? WHERE reference = ? AND status = 'approved' AND delivered_at IS NULL`)
        .run(now, reference).changes === 1
    );
  }
}
