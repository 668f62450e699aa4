import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { EnrollmentActivities, SettledEnrollment } from '../enrollment/activities.js';
import type { Decision } from '../enrollment/ledger.js';

const { settleEnrollment } = proxyActivities<EnrollmentActivities>({
  // One short SQLite transaction: an attempt lost with a killed worker is retried after 5 s, not 30.
  startToCloseTimeout: '5 seconds',
  // No limit on attempts: a database down for an hour must not lose an operator's decision.
  retry: { maximumInterval: '1 minute' },
});

export interface EnrollmentInput {
  reference: string;
  /** Fixed when the device asked, so a flow that a worker first runs late still expires then. */
  deadlineAt: string;
  /** Set when nobody needs to decide: the key was preauthorized, or its install code approves by itself. */
  autoApprovedBy?: string;
}

export type EnrollmentState = 'pending' | SettledEnrollment['status'];

/** An operator's approve or deny; the answer is the enrollment as settled. */
export const decideUpdate = defineUpdate<SettledEnrollment, [Decision]>('decide');
export const stateQuery = defineQuery<EnrollmentState>('state');

/**
 * `enroll-<fingerprint>`: a device's enrollment waits for an operator's decision (the `decide` update) until its
 * deadline, then expires. A preauthorized key or an auto-approving code is approved at once; if that cannot be
 * applied (its hostname is taken), the enrollment waits for an operator like any other.
 */
export async function enrollmentWorkflow(input: EnrollmentInput): Promise<EnrollmentState> {
  const deadlineMs = Date.parse(input.deadlineAt);
  const workflowId = workflowInfo().workflowId;
  let state: EnrollmentState = 'pending';
  let deciding = false;

  const settle = async (decision: Decision | undefined): Promise<SettledEnrollment> => {
    const result = await settleEnrollment(input.reference, decision, workflowId);
    if ('refused' in result) {
      throw ApplicationFailure.create({ type: result.refused.code, message: result.refused.message, nonRetryable: true });
    }
    state = result.status;
    return result;
  };

  setHandler(stateQuery, () => state);
  setHandler(
    decideUpdate,
    async (decision) => {
      deciding = true;
      try {
        return await settle(decision);
      } finally {
        deciding = false;
      }
    },
    {
      validator: (d: Decision) => {
        if (typeof d?.approved !== 'boolean' || !d.by) throw new Error('a decision needs approved (boolean) and by');
        if (d.reference !== input.reference) throw new Error(`this flow decides enrollment ${input.reference}, not ${d.reference}`);
        if (state !== 'pending') throw new Error(`the enrollment is already ${state}`);
        if (deciding) throw new Error('another decision on this enrollment is being applied');
        // A decision a worker first sees after the deadline comes too late, even if the timer has not fired here yet.
        if (Date.now() >= deadlineMs) throw new Error(`the enrollment expired at its deadline, ${input.deadlineAt}`);
      },
    },
  );

  if (input.autoApprovedBy) {
    try {
      await settle({ reference: input.reference, approved: true, by: input.autoApprovedBy, requestId: null });
    } catch (err) {
      if (!(err instanceof ApplicationFailure)) throw err;
    }
  }
  await condition(() => state !== 'pending', Math.max(1, deadlineMs - Date.now()));
  // A decision being applied as the deadline passes is finished first.
  await condition(() => !deciding);
  if (state === 'pending') await settle(undefined);
  await condition(allHandlersFinished);
  return state;
}
