import {
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { EngineControlActivities, SettledRequest } from '../activities.js';
import { engineControlActivityOptions } from './activity-options.js';

const { settleGrantRequest, endGrant } = proxyActivities<EngineControlActivities>(engineControlActivityOptions);

export interface OperatorDecision {
  approved: boolean;
  /** Who decided, e.g. `operator:key_…`. */
  by: string;
  /** The API request that carried the decision, for the audit entries of what it changes. */
  requestId: string | null;
}

export interface GrantRequestInput {
  requestId: string;
  /** When the request expires undecided: fixed when it was made, so a flow that a worker first runs late still ends then. */
  deadlineAt: string;
}

export type GrantRequestState = 'pending' | SettledRequest['status'] | 'ended';

export const decideUpdate = defineUpdate<SettledRequest, [OperatorDecision]>('decide');
export const stateQuery = defineQuery<GrantRequestState>('state');
/** What the flow waits on has ended in the database already (a grant revoked, a request closed with its engine): stop waiting. */
export const closedSignal = defineSignal('closed');

/** A flag that `closedSignal` raises. */
function closedFlag(): () => boolean {
  let closed = false;
  setHandler(closedSignal, () => {
    closed = true;
  });
  return () => closed;
}

/** Best effort: a flow that has ended meanwhile (its own timer fired, or it was terminated) needs no telling. */
async function closeFlow(workflowId: string): Promise<void> {
  try {
    await getExternalWorkflowHandle(workflowId).signal(closedSignal);
  } catch {
    // Nothing to end.
  }
}

/** Waits until a time-boxed grant ends, then expires it; durable across worker and server restarts. A grant revoked sooner has nothing left to time. */
async function expireGrantAt(grantId: string, expiresAt: string, closed: () => boolean): Promise<void> {
  const remaining = Date.parse(expiresAt) - Date.now();
  if (remaining > 0 && (await condition(closed, remaining))) return;
  await endGrant(grantId, 'expired', workflowInfo().workflowId);
}

/**
 * An engine's grant request waits for an operator's decision (the `decide` update) until its
 * deadline; approved, the grant is applied and, when time-boxed, revoked when it ends.
 */
export async function grantRequestWorkflow(input: GrantRequestInput): Promise<GrantRequestState> {
  let state: GrantRequestState = 'pending';
  let decision: OperatorDecision | undefined;
  let settled: SettledRequest | undefined;
  const closed = closedFlag();
  const deadlineMs = Date.parse(input.deadlineAt);

  setHandler(stateQuery, () => state);
  setHandler(
    decideUpdate,
    async (d) => {
      decision = d;
      await condition(() => settled !== undefined);
      return settled!;
    },
    {
      validator: (d: OperatorDecision) => {
        if (typeof d?.approved !== 'boolean' || !d.by) throw new Error('a decision needs approved (boolean) and by');
        if (decision !== undefined || state !== 'pending')
          throw new Error(`request ${input.requestId} is already ${decision ? 'decided' : state}`);
        // A decision a worker first sees after the deadline (none ran in time) comes too late, even if its timer has not fired here yet.
        if (Date.now() >= deadlineMs)
          throw new Error(`request ${input.requestId} expired at its deadline, ${input.deadlineAt}, before this decision`);
      },
    },
  );

  // At least a millisecond: a timer must have a duration, and a deadline already past still expires the request.
  const waitMs = Math.max(1, deadlineMs - Date.now());
  await condition(() => decision !== undefined || closed(), waitMs);
  // Closed undecided: the request was settled in the database (its engine revoked), which settling again returns as it is.
  const outcome = decision ? (decision.approved ? 'approved' : 'denied') : closed() ? 'denied' : 'expired';
  const { replaced_timers, ...request } = await settleGrantRequest(
    input.requestId,
    outcome,
    decision?.by ?? null,
    workflowInfo().workflowId,
    decision?.requestId ?? null,
  );
  settled = request;
  state = settled.status;
  await Promise.all(replaced_timers.map(closeFlow));
  if (settled.status === 'approved' && settled.grant_id && settled.expires_at) {
    await expireGrantAt(settled.grant_id, settled.expires_at, closed);
    state = 'ended';
  }
  return state;
}

export interface GrantExpiryInput {
  grantId: string;
  expiresAt: string;
}

/** The timer behind a time-boxed grant made directly by an operator. */
export async function grantExpiryWorkflow(input: GrantExpiryInput): Promise<void> {
  await expireGrantAt(input.grantId, input.expiresAt, closedFlag());
}
