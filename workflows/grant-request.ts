import { condition, defineQuery, defineUpdate, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { EngineControlActivities, SettledRequest } from '../activities/engine-control.js';

const { settleGrantRequest, endGrant } = proxyActivities<EngineControlActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 10 },
});

export interface OperatorDecision {
  approved: boolean;
  /** Who decided, e.g. `operator:key_…`. */
  by: string;
}

export interface GrantRequestInput {
  requestId: string;
  /** How long an operator has to decide before the request expires. */
  deadlineSeconds: number;
}

export type GrantRequestState = 'pending' | SettledRequest['status'] | 'ended';

export const decideUpdate = defineUpdate<SettledRequest, [OperatorDecision]>('decide');
export const stateQuery = defineQuery<GrantRequestState>('state');

/** Sleeps until a time-boxed grant ends, then revokes it; durable across worker and server restarts. */
export async function expireGrantAt(grantId: string, expiresAt: string): Promise<void> {
  const remaining = Date.parse(expiresAt) - Date.now();
  if (remaining > 0) await sleep(remaining);
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
        if (decision !== undefined || state !== 'pending') throw new Error(`request ${input.requestId} is already ${decision ? 'decided' : state}`);
      },
    },
  );

  const decided = await condition(() => decision !== undefined, `${input.deadlineSeconds} seconds`);
  const outcome = !decided ? 'expired' : decision!.approved ? 'approved' : 'denied';
  settled = await settleGrantRequest(input.requestId, outcome, decision?.by ?? null, workflowInfo().workflowId);
  state = settled.status;
  if (settled.status === 'approved' && settled.grant_id && settled.expires_at) {
    await expireGrantAt(settled.grant_id, settled.expires_at);
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
  await expireGrantAt(input.grantId, input.expiresAt);
}
