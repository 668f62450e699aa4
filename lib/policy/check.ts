import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import { GroupCommitter } from '../audit/group-commit.js';
import { AuditLogRepository } from '../db/repositories/audit-log.js';
import { nowIso } from '../crypto/secrets.js';
import { evaluate } from './evaluate.js';
import type { CheckRequest, Verdict } from './evaluate.js';
import type { PolicyCache } from './snapshot.js';

export interface Decision extends Verdict {
  decision_id: string;
}

/** Answers a check from memory and records the decision in the audit chain before returning it. */
export class PolicyChecker {
  private readonly log: GroupCommitter;

  constructor(
    db: Db,
    private readonly cache: PolicyCache,
  ) {
    const audit = new AuditLogRepository(db);
    this.log = new GroupCommitter((batch) => audit.appendMany(batch));
  }

  /** Resolves once the decision is committed to the audit chain; rejects (and so fails the request) if it cannot be. */
  async check(callerId: string, req: CheckRequest, requestId: string | null): Promise<Decision> {
    const now = new Date();
    const verdict = evaluate(this.cache.current(), callerId, req, now);
    const decision_id = randomUUID();
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
