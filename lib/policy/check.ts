import type { Db } from '../db/database.js';
import { GroupCommitter } from '../audit/group-commit.js';
import { AuditLogRepository } from '../db/repositories/audit-log.js';
import { nowIso, uuidv7 } from '../crypto/secrets.js';
import { evaluate } from './evaluate.js';
import type { CheckRequest, Verdict } from './evaluate.js';
import type { PolicySnapshot } from './snapshot.js';

export interface Decision extends Verdict {
  decision_id: string;
}

/** Answers a check from memory and records the decision in the audit chain before returning it. */
export class PolicyChecker {
  private readonly log: GroupCommitter;

  constructor(db: Db) {
    const audit = new AuditLogRepository(db);
    this.log = new GroupCommitter((batch) => audit.appendMany(batch));
  }

  /** Resolves once the decision is committed to the audit chain; rejects (and so fails the request) if it cannot be. */
  async check(policy: PolicySnapshot, callerId: string, req: CheckRequest, requestId: string | null): Promise<Decision> {
    const verdict = evaluate(policy, callerId, req, new Date());
    const decision_id = uuidv7();
    await this.log.append({
      id: decision_id,
      kind: 'decision',
      request_id: requestId,
      actor: `engine:${callerId}`,
      action: 'actions.check',
      engine_id: req.engine_id,
      platform_id: req.platform,
      action_type: req.action_type,
      allowed: verdict.allowed ? 1 : 0,
      reason: verdict.reason,
      details: JSON.stringify({ message: verdict.message, required_scopes: verdict.required_scopes, grant_id: verdict.grant_id ?? null }),
      created_at: nowIso(),
    });
    return { ...verdict, decision_id };
  }
}
