import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { BaseLogger } from 'pino';
import { DomainError } from '../../../core/errors.js';
import { BoundedTemporal, isNotFound, temporalUnavailable, unanswered } from '../../../core/temporal/bounded-calls.js';
import { flowKey } from '../../../core/temporal/flow-attribute.js';
import { fingerprintKey, hostnameKey, searchAttributeKeys } from './search-attributes.js';
import { decideUpdate, enrollmentWorkflow } from '../workflows/enrollment.js';
import type { EnrollmentInput, EnrollmentState } from '../workflows/enrollment.js';
import type { SettledEnrollment } from './activities.js';
import type { Decision } from './ledger.js';

/** The enrollment's flow no longer runs in Temporal, so only the database can settle it. */
export class EnrollmentFlowGone extends Error {
  override name = 'EnrollmentFlowGone';
}

/** Starts and steers `enroll-<fingerprint>` flows; the API's only way into Temporal for devices. */
export class EnrollmentTemporalClient {
  private readonly temporal: BoundedTemporal;

  constructor(
    client: Client,
    private readonly taskQueue: string,
    private readonly log: Pick<BaseLogger, 'debug' | 'warn'>,
  ) {
    this.temporal = new BoundedTemporal(client, log, searchAttributeKeys);
  }

  /**
   * Starts a key's enrollment flow. A flow still running under the same id belongs to an enrollment that ended
   * without it (abandoned when Temporal answered too late), since a key has one open enrollment at a time: it is
   * replaced.
   */
  async start(workflowId: string, hostname: string, fingerprint: string, input: EnrollmentInput): Promise<void> {
    try {
      await this.temporal.start(enrollmentWorkflow, {
        workflowId,
        taskQueue: this.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'TERMINATE_EXISTING',
        typedSearchAttributes: [
          { key: flowKey, value: 'enrollment' },
          { key: fingerprintKey, value: fingerprint },
          { key: hostnameKey, value: hostname },
        ],
      });
    } catch (err) {
      throw temporalUnavailable('Temporal could not take the enrollment, so nothing was enrolled; request again in a moment', err);
    }
    this.log.debug({ workflow_id: workflowId }, 'enrollment flow started');
  }

  /** The flow's outcome if it ends within `ms` (an automatic approval does at once); undefined if it is still waiting. */
  async outcome(workflowId: string, ms: number): Promise<EnrollmentState | undefined> {
    try {
      return await this.temporal.call(() => this.temporal.client.workflow.getHandle<typeof enrollmentWorkflow>(workflowId).result(), ms);
    } catch (err) {
      if (err instanceof WorkflowFailedError || unanswered(err) || isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Sends an operator's decision and waits until the flow has applied it. */
  async decide(workflowId: string, decision: Decision): Promise<SettledEnrollment> {
    const handle = this.temporal.client.workflow.getHandle(workflowId);
    try {
      // One update per API request: a decision refused (its hostname taken) must not answer the operator's next one.
      return await this.temporal.update(handle, decideUpdate, [decision], `decide-${decision.requestId ?? randomUUID()}`, {
        notConfirmed:
          'no worker applied the decision within 10 s (is the worker running?); Temporal may still hand it to a worker, and deciding again waits for that same decision',
        unavailable: 'Temporal could not be reached, so the decision may not have been applied; read the enrollment again and retry',
      });
    } catch (err) {
      if (isNotFound(err)) throw new EnrollmentFlowGone(workflowId);
      if (err instanceof WorkflowUpdateFailedError) {
        const cause = err.cause;
        if (cause instanceof ApplicationFailure && cause.type === 'hostname_in_use') {
          throw new DomainError('conflict', 'hostname_in_use', cause.message);
        }
        throw new DomainError(
          'conflict',
          'ENROLLMENT_NOT_PENDING',
          cause instanceof Error ? cause.message : 'the enrollment is no longer pending',
        );
      }
      throw err;
    }
  }
}
