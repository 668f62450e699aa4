import type { Client, WorkflowHandle, WorkflowStartOptions } from '@temporalio/client';
import { isGrpcServiceError, ServiceError, WorkflowNotFoundError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import type { UpdateDefinition, Workflow } from '@temporalio/common';
import type { BaseLogger } from 'pino';
import { DomainError } from '../errors.js';
import { OutageLog } from '../logging/outage-log.js';
import { addMissingSearchAttributes } from './search-attributes.js';
import type { KeywordAttribute } from './search-attributes.js';

/**
 * How long a request waits on Temporal. Without a deadline a server that accepts connections but does not answer,
 * or an update no worker picks up, holds an operator's request with no limit at all.
 */
export const TEMPORAL_CALL_MS = 10_000;
/** Enough for a server that answers at all; it only tells "no worker" (504) from "no Temporal" (503). */
const PROBE_MS = 2_000;

/** gRPC's UNAVAILABLE and DEADLINE_EXCEEDED: Temporal did not answer (as opposed to answering no). */
const NO_ANSWER = new Set([14, 4]);
export const unanswered = (err: unknown): boolean => {
  const grpc = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(grpc) && NO_ANSWER.has(grpc.code);
};

export const isNotFound = (err: unknown): boolean => err instanceof WorkflowNotFoundError;

/** The driver's error goes to the server log only: it names internal addresses, and devices and engines get this reply too. */
export function temporalUnavailable(message: string, err: unknown): DomainError {
  return new DomainError('unavailable', 'TEMPORAL_UNAVAILABLE', message, undefined, { cause: err });
}

// One outage log per client, however many features call through it: one outage, one warning.
const outageLogs = new WeakMap<Client, OutageLog>();

/** Every call a feature makes into Temporal: bounded in time, and told to one outage log. */
export class BoundedTemporal {
  private readonly outage: OutageLog;
  /** Settles once the namespace has the search attributes; cleared when that failed, so the next start asks again. */
  private searchAttributes: Promise<void> | undefined;

  constructor(
    readonly client: Client,
    log: Pick<BaseLogger, 'warn'>,
    /** What the caller's flows carry: registered before its first start. */
    private readonly attributeKeys: readonly KeywordAttribute[],
  ) {
    let outage = outageLogs.get(client);
    if (!outage) outageLogs.set(client, (outage = new OutageLog(log, 'Temporal')));
    this.outage = outage;
  }

  /**
   * Temporal refuses a start whose search attributes the namespace lacks, and an API started without a worker
   * (`npm run start:api`) against a fresh server has nobody else to register them.
   */
  ensureSearchAttributes(): Promise<void> {
    this.searchAttributes ??= addMissingSearchAttributes(this.client.connection, this.client.options.namespace, this.attributeKeys).catch(
      (err: unknown) => {
        this.searchAttributes = undefined;
        throw err;
      },
    );
    return this.searchAttributes;
  }

  /** Starts a workflow, once the namespace has the search attributes, within the call deadline. */
  async start<W extends Workflow>(workflow: W, options: WorkflowStartOptions<W>): Promise<void> {
    await this.call(async () => {
      await this.ensureSearchAttributes();
      await this.client.workflow.start(workflow, options);
    });
  }

  async call<T>(call: () => Promise<T>, ms = TEMPORAL_CALL_MS): Promise<T> {
    try {
      const value = await this.client.withDeadline(Date.now() + ms, call);
      this.outage.answered();
      return value;
    } catch (err) {
      if (unanswered(err)) this.outage.failed(err);
      // An update nobody applied in time says nothing of Temporal itself: the probe after it does.
      else if (!(err instanceof WorkflowUpdateRPCTimeoutOrCancelledError)) this.outage.answered();
      throw err;
    }
  }

  async reachable(): Promise<boolean> {
    try {
      await this.call(() => this.client.workflowService.getSystemInfo({}), PROBE_MS);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Sends an update and waits until the workflow has applied it. Not applied within the deadline while Temporal
   * answers means no worker took it: `not_confirmed` (504) with `notConfirmed`; no answer at all is 503. Other
   * errors (the update failed, no such workflow) are the caller's to map.
   */
  async update<R, A extends [unknown, ...unknown[]]>(
    handle: WorkflowHandle,
    update: UpdateDefinition<R, A>,
    args: A,
    updateId: string,
    messages: { notConfirmed: string; unavailable: string },
  ): Promise<R> {
    // Whether Temporal answers at all is asked during the wait's last seconds, so an unapplied update is answered
    // when the wait ends rather than a probe later; an early failure asks then.
    let probe: Promise<boolean> | undefined;
    const probeTimer = setTimeout(() => {
      probe = this.reachable();
    }, TEMPORAL_CALL_MS - PROBE_MS);
    try {
      return await this.call(() => handle.executeUpdate(update, { args, updateId }));
    } catch (err) {
      if (!(err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) && !unanswered(err)) throw err;
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError && (await (probe ?? this.reachable()))) {
        throw new DomainError('not_confirmed', 'DECISION_NOT_CONFIRMED', messages.notConfirmed);
      }
      throw temporalUnavailable(messages.unavailable, err);
    } finally {
      clearTimeout(probeTimer);
    }
  }
}
