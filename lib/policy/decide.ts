import type { AuditFields } from '../audit/chain.js';
import { uuidv7 } from '../crypto/secrets.js';
import { verifyEngine } from './engine-auth.js';
import type { EngineAuthFailure } from './engine-auth.js';
import { evaluate } from './evaluate.js';
import type { CheckRequest, Verdict } from './evaluate.js';
import type { PolicyCache } from './snapshot.js';

/** One /actions/check as the API hands it over: the authenticated caller, its key's hash, the question. */
export interface PendingCheck {
  caller: string;
  key_digest: Buffer;
  request_id: string | null;
  check: CheckRequest;
}

export interface Decision extends Verdict {
  decision_id: string;
}

/** A decision, or the refusal of credentials that stopped being valid after the API's first screen. */
export type CheckOutcome = Decision | { refused: EngineAuthFailure };

/**
 * Decides a batch of checks against the policy as of now (one version read for the whole batch, so
 * a change committed by any process before the batch applies to it), then hands every decision to
 * `record` at once. Credentials are confirmed here too: the API's first screen may have used an older
 * snapshot, and a key rotated or revoked since must not get a decision.
 */
export class BatchDecider {
  constructor(
    private readonly cache: PolicyCache,
    private readonly record: (rows: AuditFields[]) => void,
  ) {}

  /** Throws, deciding nothing, if the decisions cannot be recorded. */
  decide(batch: PendingCheck[]): CheckOutcome[] {
    const policy = this.cache.current();
    const nowMs = Date.now();
    const now = new Date(nowMs);
    const created_at = now.toISOString();
    const rows: AuditFields[] = [];
    const outcomes = batch.map((p): CheckOutcome => {
      const refused = verifyEngine(policy, p.caller, p.key_digest);
      if (refused) return { refused };
      const verdict = evaluate(policy, p.caller, p.check, now);
      const decision_id = uuidv7(nowMs);
      rows.push({
        id: decision_id,
        kind: 'decision',
        request_id: p.request_id,
        actor: `engine:${p.caller}`,
        action: 'actions.check',
        // The caller, not the engine it named: a check made on behalf of another engine belongs to the
        // history of the engine that tried it; the named one stays in the details.
        engine_id: p.caller,
        platform_id: p.check.platform,
        action_type: p.check.action_type,
        allowed: verdict.allowed ? 1 : 0,
        reason: verdict.reason,
        details: JSON.stringify({
          message: verdict.message,
          required_scopes: verdict.required_scopes,
          grant_id: verdict.grant_id ?? null,
          ...(p.check.engine_id === p.caller ? {} : { named_engine_id: p.check.engine_id }),
        }),
        created_at,
      });
      return { ...verdict, decision_id };
    });
    if (rows.length > 0) this.record(rows);
    return outcomes;
  }
}
