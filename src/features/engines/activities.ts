import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../../core/db/database.js';
import { DomainError } from '../../core/errors.js';
import type { GrantRequestStatus } from './repositories/grants.js';
import type { WindowStatus } from './repositories/maintenance.js';
import type { RequestOutcome } from './services/grant-ledger.js';
import { engineLedgers } from './services/ledgers.js';

export interface SettledRequest {
  status: Exclude<GrantRequestStatus, 'pending'>;
  grant_id: string | null;
  expires_at: string | null;
}

export interface Settlement extends SettledRequest {
  /** The timer flows of the grants an approval replaced: they have nothing left to time. */
  replaced_timers: string[];
}

export interface EngineControlActivities {
  /** `apiRequestId`: the API request that carried the decision, if one did; its audit entries name it. */
  settleGrantRequest(
    requestId: string,
    outcome: RequestOutcome,
    decidedBy: string | null,
    workflowId: string,
    apiRequestId: string | null,
  ): Promise<Settlement>;
  endGrant(grantId: string, status: 'revoked' | 'expired', workflowId: string): Promise<void>;
  transitionWindow(
    windowId: string,
    status: Exclude<WindowStatus, 'scheduled'>,
    workflowId: string,
  ): Promise<Exclude<WindowStatus, 'scheduled'>>;
}

/** A refusal (no such request, say) is final: retrying it would only repeat it, with no limit on attempts. */
function finalOnRefusal<A extends unknown[], R>(run: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await run(...args);
    } catch (err) {
      if (err instanceof DomainError) throw ApplicationFailure.nonRetryable(err.message, err.code);
      throw err;
    }
  };
}

/** Each activity is idempotent, so Temporal's retries never apply a change twice. */
export function createEngineControlActivities(db: Db): EngineControlActivities {
  const { grants, windows } = engineLedgers(db);
  const actor = (workflowId: string, requestId: string | null = null) => ({ actor: `workflow:${workflowId}`, requestId });
  return {
    settleGrantRequest: finalOnRefusal(async (requestId, outcome, decidedBy, workflowId, apiRequestId) => {
      const request = grants.settleRequest(actor(workflowId, apiRequestId), requestId, outcome, decidedBy);
      const grant = request.grant_id ? grants.get(request.grant_id) : undefined;
      return {
        status: request.status as SettledRequest['status'],
        grant_id: request.grant_id,
        expires_at: grant?.expires_at ?? null,
        replaced_timers: grants.timerFlows(request.superseded),
      };
    }),
    endGrant: finalOnRefusal(async (grantId, status, workflowId) => {
      // A timer starts before its grant is written; if the write never happened there is nothing to end.
      if (grants.get(grantId)) grants.end(actor(workflowId), grantId, status);
    }),
    transitionWindow: finalOnRefusal(async (windowId, status, workflowId) => {
      return windows.transition(actor(workflowId), windowId, status).status as Exclude<WindowStatus, 'scheduled'>;
    }),
  };
}
