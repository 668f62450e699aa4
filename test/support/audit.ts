import type { AuditFields } from '../../src/audit/chain.js';

let n = 0;

/** A distinct decision row each call (ids dec-1, dec-2, …), as the API would journal it. */
export function decisionRow(): AuditFields {
  n += 1;
  return {
    id: `dec-${n}`,
    kind: 'decision',
    request_id: `req-${n}`,
    actor: 'engine:eng_1',
    action: 'actions.check',
    engine_id: 'eng_1',
    platform_id: 'gmail',
    action_type: 'send_email',
    allowed: n % 2,
    reason: n % 2 ? 'granted' : 'no_grant',
    details: JSON.stringify({ message: `m${n}`, required_scopes: [] }),
    created_at: new Date(1_800_000_000_000 + n).toISOString(),
  };
}
