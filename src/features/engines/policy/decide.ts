import { canonicalLine, canonicalMiddle } from '../../../audit/chain.js';
import type { VerdictFields } from '../../../audit/chain.js';
import { uuidv7 } from '../../../core/crypto/secrets.js';
import { verifyEngine } from './engine-auth.js';
import type { EngineAuthFailure } from './engine-auth.js';
import { evaluate } from './evaluate.js';
import type { CheckRequest } from './evaluate.js';
import type { Verdict } from './verdict.js';
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

/** The decision's fields that its verdict settles: the same for every check a grant allows. */
function verdictFields(p: PendingCheck, verdict: Verdict): VerdictFields {
  const named = p.check.engine_id === p.caller ? {} : { named_engine_id: p.check.engine_id };
  return {
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
      ...named,
    }),
  };
}

/**
 * A grant's verdict is one object for as long as its policy is loaded, and it is only ever given to its own
 * engine for its own platform and action, so the middle of its journal line is written once.
 */
const grantedMiddles = new WeakMap<Verdict, string>();

function middleOf(p: PendingCheck, verdict: Verdict): string {
  if (!verdict.allowed) return canonicalMiddle(verdictFields(p, verdict));
  let middle = grantedMiddles.get(verdict);
  if (middle === undefined) grantedMiddles.set(verdict, (middle = canonicalMiddle(verdictFields(p, verdict))));
  return middle;
}

/**
 * Decides a batch of checks against the policy as of now (one version read for the whole batch, so
 * a change committed by any process before the batch applies to it), then hands every decision to
 * `record` at once. Credentials are confirmed here too: the API's first screen may have used an older
 * snapshot, and a key rotated or revoked since must not get a decision.
 */
export class BatchDecider {
  constructor(
    private readonly cache: PolicyCache,
    private readonly record: (lines: string[]) => void,
  ) {}

  /** Throws, deciding nothing, if the decisions cannot be recorded. */
  decide(batch: PendingCheck[]): CheckOutcome[] {
    const policy = this.cache.current();
    const nowMs = Date.now();
    const created_at = new Date(nowMs).toISOString();
    const lines: string[] = [];
    const outcomes = batch.map((p): CheckOutcome => {
      const refused = verifyEngine(policy, p.caller, p.key_digest);
      if (refused) return { refused };
      const verdict = evaluate(policy, p.caller, p.check, nowMs);
      const decision_id = uuidv7(nowMs);
      lines.push(canonicalLine({ id: decision_id, kind: 'decision', request_id: p.request_id, created_at }, middleOf(p, verdict)));
      // A literal, not a spread: V8 gave every spread copy a map of its own, and each reply's serializer then missed its caches.
      return {
        allowed: verdict.allowed,
        required_scopes: verdict.required_scopes,
        reason: verdict.reason,
        message: verdict.message,
        decision_id,
      };
    });
    if (lines.length > 0) this.record(lines);
    return outcomes;
  }
}
