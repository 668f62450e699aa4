import { AuditLogRepository } from '../../../audit/audit-log.js';
import { changeEntry } from '../../../audit/chain.js';
import type { Actor } from '../../../audit/chain.js';
import type { Db } from '../../../core/db/database.js';

/** What an audit entry is about, for filtering the log. */
export interface ChangeTarget {
  engine_id?: string;
  platform_id?: string;
  action_type?: string;
}

/**
 * Every state change of engine control changes rows and appends its audit entry in one transaction, so there is never
 * a change without its record or a record without its change. The ledgers and services share one.
 */
export class ChangeLog {
  private readonly audit: AuditLogRepository;

  constructor(private readonly db: Db) {
    this.audit = new AuditLogRepository(db);
  }

  /** Runs `fn` in one write transaction; called inside another, it joins it (a savepoint). */
  inTxn<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  record(by: Actor, action: string, details: Record<string, unknown>, target: ChangeTarget = {}): void {
    this.audit.append(changeEntry(by, action, details, target));
  }
}
