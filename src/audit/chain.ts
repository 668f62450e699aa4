import { hash } from 'node:crypto';
import { nowIso, uuidv7 } from '../core/crypto/secrets.js';

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

/** Who made a change and under which request: written to every audit entry. */
export interface Actor {
  actor: string;
  requestId: string | null;
}

/** The audit entry of a state change (not a decision), stamped now. */
export function changeEntry(
  by: Actor,
  action: string,
  details: Record<string, unknown>,
  target: { engine_id?: string; platform_id?: string; action_type?: string } = {},
): AuditFields {
  return {
    id: uuidv7(),
    kind: 'change',
    request_id: by.requestId,
    actor: by.actor,
    action,
    engine_id: target.engine_id ?? null,
    platform_id: target.platform_id ?? null,
    action_type: target.action_type ?? null,
    allowed: null,
    reason: null,
    details: JSON.stringify(details),
    created_at: nowIso(),
  };
}

// A lone surrogate ("\ud800") has no UTF-8 form: a decision's journal line, parsed back into its row, holds
// U+FFFD in its place, so the hash covers that form, or the row would read back as altered.
const stored = (text: string | null): string | null => text?.toWellFormed() ?? null;

/** Text that JSON writes as it is: ids, times, request ids. Quoting it by hand spares a JSON.stringify per field on the check path. */
const PLAIN = /^[\w.:-]*$/;

const json = (text: string | null): string => (text !== null && PLAIN.test(text) ? `"${text}"` : JSON.stringify(stored(text)));

/** The fields that a verdict decides alike for every check it answers: canonicalJson's middle, from actor to details. */
export type VerdictFields = Pick<
  AuditFields,
  'actor' | 'action' | 'engine_id' | 'platform_id' | 'action_type' | 'allowed' | 'reason' | 'details'
>;

/** canonicalJson's part between request_id and created_at, with its leading comma. */
export function canonicalMiddle(f: VerdictFields): string {
  const middle = JSON.stringify([
    stored(f.actor),
    stored(f.action),
    stored(f.engine_id),
    stored(f.platform_id),
    stored(f.action_type),
    f.allowed,
    stored(f.reason),
    stored(f.details),
  ]);
  return `,${middle.slice(1, -1)}`;
}

/**
 * canonicalJson from its parts, for a line whose middle is already written: checks a grant allows share one,
 * so the check path serializes only its id, request id and time.
 */
export function canonicalLine(f: Pick<AuditFields, 'id' | 'kind' | 'request_id' | 'created_at'>, middle: string): string {
  return `[${json(f.id)},${json(f.kind)},${json(f.request_id)}${middle},${json(f.created_at)}]`;
}

/** The fields a hash covers, as stored, in one JSON array: also the decision journal's line format. */
export function canonicalJson(f: AuditFields): string {
  return canonicalLine(f, canonicalMiddle(f));
}

/** Inverse of `canonicalJson`; throws on anything that is not its output's shape. */
export function parseCanonicalJson(json: string): AuditFields {
  const fields: unknown = JSON.parse(json);
  if (!Array.isArray(fields) || fields.length !== 12) throw new Error('expected a JSON array of 12 audit fields');
  const [id, kind, request_id, actor, action, engine_id, platform_id, action_type, allowed, reason, details, created_at] = fields as [
    string,
    AuditFields['kind'],
    string | null,
    string,
    string,
    string | null,
    string | null,
    string | null,
    number | null,
    string | null,
    string,
    string,
  ];
  return { id, kind, request_id, actor, action, engine_id, platform_id, action_type, allowed, reason, details, created_at };
}

export function chainHash(prevHash: string, f: AuditFields): string {
  return lineHash(prevHash, canonicalJson(f));
}

/** chainHash from a row's canonicalJson, for a caller that holds it already (a journal line). */
export function lineHash(prevHash: string, line: string): string {
  return hash('sha256', `${prevHash}\n${line}`, 'hex');
}

export interface StoredAuditRow extends AuditFields {
  seq: number;
  prev_hash: string;
  hash: string;
}

export type ChainReport =
  | { ok: true; checked: number; head: string }
  | { ok: false; checked: number; first_broken: { seq: number; id: string; problem: string } }
  | { ok: false; checked: number; head: string; missing_head: { hash: string; problem: string } };

/** What a kept head looks like: the `head` an earlier verify printed. */
export const HEAD_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Walks rows in order and names the first one whose link or content does not match. A chain cut short at its
 * end still links up, so `keptHead`, a head recorded earlier and kept elsewhere, must also be found in it.
 */
export function verifyChain(rows: Iterable<StoredAuditRow>, keptHead?: string): ChainReport {
  return verifyChainAgainst(rows, [keptHead])[0]!;
}

/** `verifyChain` for several kept heads (undefined: none) in one walk: their reports, in their order. */
export function verifyChainAgainst(rows: Iterable<StoredAuditRow>, keptHeads: readonly (string | undefined)[]): ChainReport[] {
  const wanted = new Set(keptHeads);
  // Every chain holds the genesis hash (the head of an empty one), and asking for no head asks for nothing.
  const found = new Set([undefined, GENESIS_HASH]);
  let prev = GENESIS_HASH;
  let checked = 0;
  let expectedSeq: number | undefined;
  const broken = (row: StoredAuditRow, problem: string): ChainReport[] =>
    keptHeads.map(() => ({ ok: false, checked, first_broken: { seq: row.seq, id: row.id, problem } }));
  for (const row of rows) {
    if (expectedSeq !== undefined && row.seq !== expectedSeq)
      return broken(row, `rows missing before seq ${row.seq} (expected ${expectedSeq})`);
    if (row.prev_hash !== prev) return broken(row, 'prev_hash does not match the hash of the row before');
    if (chainHash(prev, row) !== row.hash) return broken(row, 'content does not match its hash (row was altered)');
    prev = row.hash;
    checked++;
    expectedSeq = row.seq + 1;
    if (wanted.has(row.hash)) found.add(row.hash);
  }
  return keptHeads.map((keptHead): ChainReport => {
    if (found.has(keptHead)) return { ok: true, checked, head: prev };
    const problem = `the kept head is not in the chain, which holds ${checked} intact entries: entries were removed from its end, or the head is from another database`;
    return { ok: false, checked, head: prev, missing_head: { hash: keptHead!, problem } };
  });
}
