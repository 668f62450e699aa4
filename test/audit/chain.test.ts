import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, canonicalJson, chainHash, lineHash, parseCanonicalJson } from '../../src/audit/chain.js';
import type { AuditFields } from '../../src/audit/chain.js';
import { decisionRow } from '../support/audit.js';

/** The line format as every release has written it: one JSON array of the twelve fields, lone surrogates made U+FFFD. */
const reference = (f: AuditFields): string =>
  JSON.stringify(
    [
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
    ].map((v) => (typeof v === 'string' ? v.toWellFormed() : v)),
  );

describe('the canonical line of an audit row', () => {
  const rows: AuditFields[] = [
    decisionRow(),
    {
      ...decisionRow(),
      request_id: null,
      engine_id: null,
      platform_id: null,
      action_type: null,
      allowed: null,
      reason: null,
      kind: 'change',
    },
    { ...decisionRow(), id: 'a"b\\c', request_id: 'line\nbreak', created_at: 'tab\there' },
    {
      ...decisionRow(),
      request_id: 'ünïcödé-☃',
      actor: 'engine:\ud800',
      details: JSON.stringify({ message: 'say "hi"\u0000', named_engine_id: '\udfff' }),
    },
    { ...decisionRow(), id: '', request_id: 'req-1.2:3_x', platform_id: 'a.b-c_d' },
  ];

  it('is, to the byte, the JSON array of its fields that earlier releases hashed', () => {
    for (const row of rows) expect(canonicalJson(row)).toBe(reference(row));
  });

  it('reads back to the fields as stored, and hashes the same from the line as from the row', () => {
    for (const row of rows) {
      const line = canonicalJson(row);
      expect(canonicalJson(parseCanonicalJson(line))).toBe(line);
      expect(lineHash(GENESIS_HASH, line)).toBe(chainHash(GENESIS_HASH, row));
    }
  });
});
