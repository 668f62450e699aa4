import { setImmediate } from 'node:timers/promises';
import { GENESIS_HASH, canonicalJson, lineHash } from './chain.js';
import type { AuditFields, StoredAuditRow } from './chain.js';
import type { Db } from '../core/db/database.js';

type AuditRowValues = [
  id: string,
  kind: string,
  request_id: string | null,
  actor: string,
  action: string,
  engine_id: string | null,
  platform_id: string | null,
  action_type: string | null,
  allowed: number | null,
  reason: string | null,
  details: string,
  created_at: string,
  prev_hash: string,
  hash: string,
];

export interface DecisionFilter {
  engine_id?: string;
  platform?: string;
  action_type?: string;
  allowed?: boolean;
  /** Both in the stored form (UTC, milliseconds, `Z`): they are compared with created_at as text. */
  since?: string;
  until?: string;
  limit: number;
  /** Return rows with seq below this (paging backwards from the newest). */
  before?: number;
}

/** The append-only, hash-chained audit log; the only SQL that touches audit_log. */
/** Seqs one statement of a decisions page reads: a few ms of the API thread (about 0.2 µs a row here). */
export const DECISION_SLICE = 16_384;

export class AuditLogRepository {
  private readonly headStmt;
  private readonly lastSeqStmt;
  private readonly insertStmt;
  private readonly allStmt;
  private readonly appendTxn;

  constructor(private readonly db: Db) {
    this.headStmt = db.prepare<[], { hash: string }>('SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.lastSeqStmt = db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM audit_log');
    // Positional, not named, parameters: binding by name costs more than the rest of the insert on the check path.
    this.insertStmt = db.prepare<AuditRowValues>(
      `INSERT INTO audit_log (id, kind, request_id, actor, action, engine_id, platform_id, action_type, allowed, reason, details, created_at, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.allStmt = db.prepare<[], StoredAuditRow>('SELECT * FROM audit_log ORDER BY seq');
    // IMMEDIATE: reading the head and appending must not interleave with another process's append.
    this.appendTxn = db.transaction((batch: AuditFields[], lines: readonly string[]) => {
      let prev = this.headStmt.get()?.hash ?? GENESIS_HASH;
      for (let i = 0; i < batch.length; i++) {
        const f = batch[i]!;
        const hash = lineHash(prev, lines[i]!);
        this.insertStmt.run(
          f.id,
          f.kind,
          f.request_id,
          f.actor,
          f.action,
          f.engine_id,
          f.platform_id,
          f.action_type,
          f.allowed,
          f.reason,
          f.details,
          f.created_at,
          prev,
          hash,
        );
        prev = hash;
      }
    });
  }

  /** Appends inside the caller's transaction if there is one, so a change and its record commit together. */
  append(fields: AuditFields): void {
    this.appendMany([fields]);
  }

  /**
   * Appends rows in order, in one transaction: one commit for many decisions. `lines`, each row's canonicalJson,
   * spares hashing them anew where the caller read the rows from those lines (the decision journal).
   */
  appendMany(batch: AuditFields[], lines: readonly string[] = batch.map(canonicalJson)): void {
    if (this.db.inTransaction) this.appendTxn(batch, lines);
    else this.appendTxn.immediate(batch, lines);
  }

  rows(): IterableIterator<StoredAuditRow> {
    return this.allStmt.iterate();
  }

  /**
   * A page of decisions, newest first, read in slices of `slice` seqs with a turn of the event loop between them:
   * a filter that matches little walks much of the log, and in one statement that would hold up every check behind it.
   * Rows appended meanwhile lie above the first slice, so the page is the log as it stood when the call began.
   */
  async decisions(filter: DecisionFilter, slice = DECISION_SLICE): Promise<StoredAuditRow[]> {
    const { sql, params } = decisionsQuery(filter);
    const stmt = this.db.prepare<Record<string, string | number>, StoredAuditRow>(sql);
    const rows: StoredAuditRow[] = [];
    let hi = Math.min(filter.before ?? Infinity, (this.lastSeqStmt.get()?.seq ?? 0) + 1);
    for (;;) {
      const lo = Math.max(1, hi - slice);
      rows.push(...stmt.all({ ...params, lo, hi, limit: filter.limit - rows.length }));
      hi = lo;
      if (hi <= 1 || rows.length >= filter.limit) return rows;
      await setImmediate();
    }
  }
}

/**
 * The SQL of one slice of a page of decisions (seqs from `@lo` to below `@hi`, at most `@limit` rows), newest first:
 * it walks an index or the table in seq order and stops at the page's end.
 */
export function decisionsQuery(filter: DecisionFilter): { sql: string; params: Record<string, string | number> } {
  const where: string[] = [];
  const params: Record<string, string | number> = { limit: filter.limit };
  const add = (clause: string, key: string, value: string | number | undefined): void => {
    if (value === undefined || value === '') return;
    where.push(clause);
    params[key] = value;
  };
  add('engine_id = @engine_id', 'engine_id', filter.engine_id);
  add('platform_id = @platform', 'platform', filter.platform);
  // With neither, `+` keeps kind off the engine and platform indexes, whose order within a kind is not seq
  // order: the table itself, walked back from its end, is (decisions are nearly every row).
  where.unshift(where.length > 0 ? "kind = 'decision'" : "+kind = 'decision'");
  add('action_type = @action_type', 'action_type', filter.action_type);
  add('allowed = @allowed', 'allowed', filter.allowed === undefined ? undefined : filter.allowed ? 1 : 0);
  add('created_at >= @since', 'since', filter.since);
  add('created_at < @until', 'until', filter.until);
  where.push('seq >= @lo AND seq < @hi');
  return { sql: `SELECT * FROM audit_log WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT @limit`, params };
}
