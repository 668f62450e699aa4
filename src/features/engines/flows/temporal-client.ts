import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { BaseLogger } from 'pino';
import type { SettledRequest } from '../activities.js';
import { closedSignal, decideUpdate, grantExpiryWorkflow, grantRequestWorkflow } from '../workflows/grant-request.js';
import type { OperatorDecision } from '../workflows/grant-request.js';
import { cancelSignal, maintenanceWindowWorkflow } from '../workflows/maintenance-window.js';
import { flowKey } from '../../../core/temporal/flow-attribute.js';
import { engineIdKey, platformKey, searchAttributeKeys } from './search-attributes.js';
import { DomainError } from '../../../core/errors.js';
import { BoundedTemporal, isNotFound, temporalUnavailable } from '../../../core/temporal/bounded-calls.js';
import { workflowIds } from './workflow-ids.js';

/** Starts a flow; if Temporal cannot take it, the caller is told so with `message`. */
export async function confirmedStart<T>(start: () => Promise<T>, message: string): Promise<T> {
  try {
    return await start();
  } catch (err) {
    throw temporalUnavailable(message, err);
  }
}

/** Starts a flow whose row is already written; if Temporal cannot take it, `undo` closes the row, so nothing waits on a flow that does not exist. */
export async function startOrUndo<T>(start: () => Promise<T>, undo: () => void, message: string): Promise<T> {
  try {
    return await confirmedStart(start, message);
  } catch (err) {
    undo();
    throw err;
  }
}

export type FlowState = 'running' | 'ended' | 'missing';

/** A row older than this cannot still be waiting on its own route's call to Temporal (bounded to 10 s). */
const SETTLED_MS = 60_000;

/**
 * Whether a row's flow is gone for good: ended in Temporal, or never there although the row is old enough that
 * its own route's start has failed. A young row without a flow may be one another request is starting right now.
 */
export function flowLeftBehind(state: FlowState, createdAt: string, now = Date.now()): boolean {
  return state === 'ended' || (state === 'missing' && Date.parse(createdAt) < now - SETTLED_MS);
}

/** The flow no longer runs in Temporal (terminated there, or failed), so nothing will ever settle what it held open. */
export class FlowGoneError extends Error {
  override name = 'FlowGoneError';
  constructor(readonly workflowId: string) {
    super(`workflow ${workflowId} no longer runs in Temporal`);
  }
}

/** A request takes one decision, so every call uses this update id: a retry joins a decision already waiting in Temporal. */
const DECIDE_UPDATE_ID = 'decide';

/** Starts and steers the engine-control workflows; the API's only way into Temporal for them. */
export class EngineTemporalClient {
  private readonly temporal: BoundedTemporal;

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly log: Pick<BaseLogger, 'debug' | 'warn'>,
  ) {
    this.temporal = new BoundedTemporal(client, log, searchAttributeKeys);
  }

  /** Every engine-control flow carries the search attributes operators filter by. */
  private async start<A>(
    workflow: (input: A) => Promise<unknown>,
    workflowId: string,
    input: A,
    tags: { flow: string; platform: string; engineId?: string },
  ): Promise<void> {
    const typedSearchAttributes: SearchAttributePair[] = [
      ...(tags.engineId ? [{ key: engineIdKey, value: tags.engineId }] : []),
      { key: platformKey, value: tags.platform },
      { key: flowKey, value: tags.flow },
    ];
    await this.temporal.start(workflow, { workflowId, taskQueue: this.taskQueue, args: [input], typedSearchAttributes });
    this.log.debug({ workflow_id: workflowId, flow: tags.flow }, 'workflow started');
  }

  async startGrantRequest(workflowId: string, engineId: string, platform: string, requestId: string, deadlineAt: string): Promise<void> {
    await this.start(grantRequestWorkflow, workflowId, { requestId, deadlineAt }, { flow: 'grant-request', platform, engineId });
  }

  /**
   * Sends the operator's decision and waits until the workflow has applied it. Not applied within the deadline
   * while Temporal answers means no worker took it; Temporal may hand it to the next worker, or drop it. The answer
   * is the request as settled, which after a retry may be an earlier decision's outcome.
   */
  async decide(workflowId: string, decision: OperatorDecision): Promise<SettledRequest> {
    const handle: WorkflowHandle = this.client.workflow.getHandle(workflowId);
    try {
      const settled = await this.temporal.update(handle, decideUpdate, [decision], DECIDE_UPDATE_ID, {
        notConfirmed:
          'no worker applied the decision within 10 s (is the worker running?); Temporal may still hand it to a worker, and deciding again waits for that same decision',
        unavailable: 'Temporal could not be reached, so the decision may not have been applied; read the request again and retry',
      });
      this.log.debug({ workflow_id: workflowId, status: settled.status }, 'the workflow applied the decision');
      return settled;
    } catch (err) {
      if (isNotFound(err)) throw new FlowGoneError(workflowId);
      if (err instanceof WorkflowUpdateFailedError) {
        throw new DomainError(
          'conflict',
          'REQUEST_NOT_PENDING',
          err.cause instanceof Error ? err.cause.message : 'the request is no longer pending',
        );
      }
      throw err;
    }
  }

  async startGrantExpiry(grantId: string, engineId: string, platform: string, expiresAt: string): Promise<string> {
    const workflowId = workflowIds.grantExpiry(grantId);
    await this.start(grantExpiryWorkflow, workflowId, { grantId, expiresAt }, { flow: 'grant-expiry', platform, engineId });
    return workflowId;
  }

  async startMaintenance(workflowId: string, platform: string, windowId: string, startsAt: string, endsAt: string): Promise<void> {
    await this.start(maintenanceWindowWorkflow, workflowId, { windowId, startsAt, endsAt }, { flow: 'maintenance', platform });
  }

  /**
   * Tells flows that what they wait on has ended in the database, so they finish now rather than at their timer.
   * In the background and best effort: the database is already right, and a flow not told ends harmlessly later.
   */
  closeInBackground(workflowIds: string[], requestId: string | null): void {
    for (const workflowId of workflowIds) {
      this.temporal
        .call(() => this.client.workflow.getHandle(workflowId).signal(closedSignal))
        .catch((err: unknown) => {
          if (!isNotFound(err)) {
            this.log.warn(
              { err, workflow_id: workflowId, request_id: requestId },
              'could not tell a flow that what it waits on has ended; it ends at its own timer',
            );
          }
        });
    }
  }

  /** What Temporal says of a flow: running, ended (terminated, failed, completed), or never started; throws when it does not answer. */
  async state(workflowId: string): Promise<FlowState> {
    try {
      const { status } = await this.temporal.call(() => this.client.workflow.getHandle(workflowId).describe());
      return status.name === 'RUNNING' ? 'running' : 'ended';
    } catch (err) {
      if (isNotFound(err)) return 'missing';
      throw err;
    }
  }

  /** False when the window's flow no longer runs (ended or terminated in Temporal), so no signal can reach it. */
  async cancelMaintenance(workflowId: string): Promise<boolean> {
    try {
      await this.temporal.call(() => this.client.workflow.getHandle(workflowId).signal(cancelSignal));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw temporalUnavailable('Temporal did not confirm the cancel, so the window may not be cancelled; retrying is safe', err);
    }
  }
}
