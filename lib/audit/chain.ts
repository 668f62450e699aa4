import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an audit row that its hash covers (everything but seq and the hashes themselves). */
export interface AuditFields {
  id: string;
  kind: 'decision' | 'change';
  request_id: string | null;
  actor: string;
  action: string;
  engine_id: string | null;
  platform_id: string | null;
  action_type: string | null;
  allowed: number | null;
  reason: string | null;
  details: string;
  created_at: string;
}

export function chainHash(prevHash: string, f: AuditFields): string {
  const canonical = JSON.stringify([
    f.id, f.kind, f.request_id, f.actor, f.action, f.engine_id, f.platform_id, f.action_type, f.allowed, f.reason, f.details, f.created_at,
  ]);
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

export interface StoredAuditRow extends AuditFields {
  seq: number;
  prev_hash: string;
  hash: string;
}

export type ChainReport =
  | { ok: true; checked: number; head: string }
  | { ok: false; checked: number; first_broken: { seq: number; id: string; problem: string } };

/** Walks rows in order and names the first one whose link or content does not match. */
export function verifyChain(rows: Iterable<StoredAuditRow>): ChainReport {
  let prev = GENESIS_HASH;
  let checked = 0;
  let expectedSeq: number | undefined;
  for (const row of rows) {
    if (expectedSeq !== undefined && row.seq !== expectedSeq) {
      return { ok: false, checked, first_broken: { seq: row.seq, id: row.id, problem: `rows missing before seq ${row.seq} (expected ${expectedSeq})` } };
    }
    if (row.prev_hash !== prev) {
      return { ok: false, checked, first_broken: { seq: row.seq, id: row.id, problem: 'prev_hash does not match the hash of the row before' } };
    }
    if (chainHash(prev, row) !== row.hash) {
      return { ok: false, checked, first_broken: { seq: row.seq, id: row.id, problem: 'content does not match its hash (row was altered)' } };
    }
    prev = row.hash;
    checked++;
    expectedSeq = row.seq + 1;
  }
  return { ok: true, checked, head: prev };
}
