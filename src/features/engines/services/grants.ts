import type { Actor } from '../../../audit/chain.js';
import { newId } from '../../../core/crypto/secrets.js';
import { DomainError } from '../../../core/errors.js';
import { utcTime } from '../../../core/time.js';
import { cursorNamesNothing } from '../../../http/schemas/page.js';
import type { Grant, GrantRequest } from '../repositories/grants.js';
import type { CreateGrantBody, GrantListQuery, GrantRequestBody, GrantRequestListQuery } from '../schemas.js';
import { confirmedStart, flowLeftBehind, FlowGoneError, startOrUndo } from '../flows/temporal-client.js';
import type { EngineTemporalClient } from '../flows/temporal-client.js';
import { workflowIds } from '../flows/workflow-ids.js';
import type { GrantLedger, GrantRequestInput } from './grant-ledger.js';
import { notFound } from './errors.js';

/** A grant as POST /grants answers it: with its timer's flow, if it has one, and the grants it replaced. */
export type CreatedGrant = Grant & { expiry_workflow_id?: string; superseded: string[] };

const system = (by: Actor): Actor => ({ actor: 'system', requestId: by.requestId });

const notPending = (message: string) => new DomainError('conflict', 'REQUEST_NOT_PENDING', message);

/**
 * What the API does with grants and grant requests: each change in the ledger, and the Temporal flow that times or
 * decides it started, told or undone with it, so a row never waits on a flow that does not exist.
 */
export class GrantService {
  constructor(
    private readonly ledger: GrantLedger,
    private readonly temporal: EngineTemporalClient,
  ) {}

  list(query: GrantListQuery): Grant[] {
    if (query.after && !this.ledger.get(query.after)) throw cursorNamesNothing('after', 'grant', query.after);
    return this.ledger.list(query);
  }

  /** With expires_at, the grant's timer starts first: a grant whose timer Temporal did not confirm is never in force, not even for a moment. */
  async create(by: Actor, body: CreateGrantBody): Promise<CreatedGrant> {
    const { expires_at, replace, ...rest } = body;
    const input = { ...rest, expires_at: expires_at ? utcTime('body.expires_at', expires_at) : null };
    this.ledger.check(input, replace);
    const id = newId('grt');
    const expiresAt = input.expires_at;
    const expiry_workflow_id =
      expiresAt &&
      (await confirmedStart(
        () => this.temporal.startGrantExpiry(id, input.engine_id, input.platform, expiresAt),
        `Temporal did not confirm the start of the expiry timer; no grant was made${replace ? ' and the one it was to replace stays' : ''}`,
      ));
    let created;
    try {
      created = this.ledger.create(by, input, replace, id);
    } catch (err) {
      if (expiry_workflow_id) this.temporal.closeInBackground([expiry_workflow_id], by.requestId);
      throw err;
    }
    this.temporal.closeInBackground(this.ledger.timerFlows(created.superseded), by.requestId);
    // Read again: a grant made meanwhile (an approval) may have replaced this one already.
    return { ...this.ledger.get(created.id)!, ...(expiry_workflow_id ? { expiry_workflow_id } : {}), superseded: created.superseded };
  }

  revoke(by: Actor, id: string): Grant {
    const ended = this.ledger.end(by, id, 'revoked');
    this.temporal.closeInBackground(this.ledger.timerFlows([ended.id]), by.requestId);
    return ended;
  }

  /**
   * An engine asks for a permission: the request, then the flow that waits for an operator until its deadline. A
   * pending request of the same action whose flow is gone (a crash before it started, a terminate) is closed first,
   * or it would block this action for good.
   */
  async request(by: Actor, engineId: string, body: GrantRequestBody): Promise<GrantRequest> {
    const id = newId('greq');
    const workflow_id = workflowIds.grantRequest(engineId, id);
    const { platform, action_type, scopes, duration_s, reason, deadline_s } = body;
    const input: GrantRequestInput = {
      id,
      engine_id: engineId,
      platform_id: platform,
      action_type,
      scopes,
      duration_s: duration_s ?? null,
      reason,
      workflow_id,
    };
    let created;
    try {
      created = this.ledger.createRequest(by, input, deadline_s);
    } catch (err) {
      const open =
        err instanceof DomainError && err.code === 'REQUEST_PENDING' ? this.ledger.getRequest(String(err.details?.request_id)) : undefined;
      const state = open ? await this.temporal.state(open.workflow_id).catch(() => 'running' as const) : 'running';
      if (!open || !flowLeftBehind(state, open.created_at)) throw err;
      this.ledger.closeRequestOfGoneFlow(system(by), open.id);
      created = this.ledger.createRequest(by, input, deadline_s);
    }
    await startOrUndo(
      () => this.temporal.startGrantRequest(workflow_id, engineId, platform, id, created.deadline_at),
      // decided_by tells this closing apart from a deadline nobody met.
      () => this.ledger.settleRequest(system(by), id, 'expired', 'system:flow-start-unconfirmed'),
      'Temporal did not confirm the start of the approval workflow; the request was closed',
    );
    return created;
  }

  /** One of the engine's own requests; another engine's is as invisible as a missing one. */
  requestOf(engineId: string, id: string): GrantRequest {
    const found = this.ledger.getRequest(id);
    if (!found || found.engine_id !== engineId) throw notFound.grantRequest(id);
    return found;
  }

  listRequests(query: GrantRequestListQuery): GrantRequest[] {
    if (query.after && !this.ledger.getRequest(query.after)) throw cursorNamesNothing('after', 'grant request', query.after);
    return this.ledger.listRequests(query);
  }

  /** An operator's decision, applied by the request's flow; returns the request once the flow has settled it. */
  async decide(by: Actor, id: string, approved: boolean): Promise<GrantRequest> {
    const pending = this.ledger.getRequest(id);
    if (!pending) throw notFound.grantRequest(id);
    if (pending.status !== 'pending') throw notPending(`request ${pending.id} is already ${pending.status}`);
    if (this.ledger.expireAtDeadline(by, pending))
      throw notPending(`request ${pending.id} expired at its deadline, ${pending.deadline_at}, before this decision`);
    const settled = await this.temporal
      .decide(pending.workflow_id, { approved, by: by.actor, requestId: by.requestId })
      .catch((err: unknown) => {
        if (!(err instanceof FlowGoneError)) throw err;
        // Nothing would ever settle it, and it would block the engine's next request for this action.
        this.ledger.closeRequestOfGoneFlow(system(by), pending.id);
        throw notPending(
          `request ${pending.id} had no flow left in Temporal (terminated or failed there), so it was closed as expired; the engine may ask again`,
        );
      });
    // A retry after a 504 joins the decision already waiting, which may have been the other one.
    if (settled.status !== (approved ? 'approved' : 'denied'))
      throw notPending(`request ${pending.id} is already ${settled.status}, by an earlier decision`);
    return this.ledger.getRequest(pending.id)!;
  }

  /** At start: pending requests whose flow is gone are closed as expired (`system:flow-gone`); returns their ids. */
  async closeRequestsOfGoneFlows(by: Actor): Promise<string[]> {
    const closed: string[] = [];
    for (const r of this.ledger.listRequests({ status: 'pending' })) {
      if (!flowLeftBehind(await this.temporal.state(r.workflow_id), r.created_at)) continue;
      this.ledger.closeRequestOfGoneFlow(by, r.id);
      closed.push(r.id);
    }
    return closed;
  }
}
