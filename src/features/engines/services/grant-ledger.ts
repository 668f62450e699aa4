import type { Actor } from '../../../audit/chain.js';
import { newId, nowIso } from '../../../core/crypto/secrets.js';
import type { Db } from '../../../core/db/database.js';
import { DomainError, invalidFields } from '../../../core/errors.js';
import { EngineRepository } from '../repositories/engines.js';
import type { Engine } from '../repositories/engines.js';
import { GrantRepository } from '../repositories/grants.js';
import type { Grant, GrantFilter, GrantRequest, GrantRequestFilter } from '../repositories/grants.js';
import { workflowIds } from '../flows/workflow-ids.js';
import type { ChangeLog } from './change-log.js';
import { notFound } from './errors.js';
import type { PlatformService } from './platforms.js';

/** Requests one engine may have waiting for an operator at once. */
export const MAX_PENDING_REQUESTS = 100;

/** A grant as an operator or an approval asks for it. */
export interface GrantInput {
  engine_id: string;
  platform: string;
  action_type: string;
  scopes: string[];
  expires_at: string | null;
}

/** A grant request as an engine asks for it, with the ids its flow will have. */
export type GrantRequestInput = Pick<
  GrantRequest,
  'id' | 'engine_id' | 'platform_id' | 'action_type' | 'scopes' | 'duration_s' | 'reason' | 'workflow_id'
>;

export type RequestOutcome = 'approved' | 'denied' | 'expired';

/** A grant whose expires_at has passed: checks already deny it, whether or not its timer flow has ended it. */
const lapsed = (g: Grant): boolean => g.expires_at !== null && Date.parse(g.expires_at) <= Date.now();

/**
 * Grants and grant requests as rows, each change with its audit entry in one transaction. No Temporal here: the API's
 * GrantService starts and steers the flows, and the worker's activities settle through this.
 */
export class GrantLedger {
  private readonly grants: GrantRepository;
  /** Read only: whether an engine may hold or ask for a grant. */
  private readonly engines: EngineRepository;

  constructor(
    db: Db,
    private readonly changes: ChangeLog,
    private readonly platforms: PlatformService,
  ) {
    this.grants = new GrantRepository(db);
    this.engines = new EngineRepository(db);
  }

  get(id: string): Grant | undefined {
    return this.grants.get(id);
  }

  list(filter: GrantFilter): Grant[] {
    return this.grants.list(filter);
  }

  getRequest(id: string): GrantRequest | undefined {
    return this.grants.getRequest(id);
  }

  listRequests(filter: GrantRequestFilter): GrantRequest[] {
    return this.grants.listRequests(filter);
  }

  private engine(id: string): Engine {
    const engine = this.engines.get(id);
    if (!engine) throw notFound.engine(id);
    return engine;
  }

  /**
   * What `create` would refuse, checked without writing: the grants it would replace (a 409 unless `replacing`).
   * Lets a caller start the grant's timer before the grant is in force.
   */
  check(input: GrantInput, replacing = false): string[] {
    const engine = this.engine(input.engine_id);
    if (engine.status === 'revoked') throw new DomainError('conflict', 'ENGINE_REVOKED', `engine ${engine.id} is revoked`);
    this.platforms.get(input.platform);
    if (input.expires_at !== null && new Date(input.expires_at) <= new Date()) {
      throw invalidFields([{ field: 'body.expires_at', message: 'must be in the future' }]);
    }
    const current = this.active(input.engine_id, input.platform, input.action_type)
      .filter((g) => !lapsed(g))
      .map((g) => g.id);
    if (current.length > 0 && !replacing) {
      throw new DomainError(
        'conflict',
        'GRANT_EXISTS',
        `engine ${input.engine_id} already holds ${current.join(', ')} for ${input.platform}/${input.action_type}; send "replace": true to replace it, or revoke it first`,
        { grant_ids: current },
      );
    }
    return current;
  }

  /**
   * Adds a grant. An active grant for the same engine, platform and action is a 409 unless `replacing`, and then
   * it ends in the same transaction (audited as `grant.superseded`, listed in `superseded`): there is never a
   * moment with both, or with neither. `id` is one the caller chose already, for a timer it started.
   */
  create(by: Actor, input: GrantInput, replacing = false, id = newId('grt')): Grant & { superseded: string[] } {
    return this.changes.inTxn(() => {
      const current = this.check(input, replacing);
      const grant: Grant = {
        id,
        engine_id: input.engine_id,
        platform_id: input.platform,
        action_type: input.action_type,
        scopes: input.scopes,
        expires_at: input.expires_at,
        status: 'active',
        created_at: nowIso(),
        ended_at: null,
      };
      const where = { engine_id: grant.engine_id, platform_id: grant.platform_id, action_type: grant.action_type };
      // Over by the clock, and only not ended yet because no worker has run their timers: expired, not replaced.
      for (const old of this.active(input.engine_id, input.platform, input.action_type).filter(lapsed)) {
        this.grants.end(old.id, 'expired', old.expires_at!);
        this.changes.record({ actor: 'system', requestId: by.requestId }, 'grant.expired', { grant_id: old.id }, where);
      }
      for (const old of current) {
        this.grants.end(old, 'revoked', nowIso());
        this.changes.record(by, 'grant.superseded', { grant_id: old, by_grant_id: grant.id }, where);
      }
      this.grants.insert(grant);
      this.changes.record(by, 'grant.created', { grant_id: grant.id, scopes: grant.scopes, expires_at: grant.expires_at }, where);
      return { ...grant, superseded: current };
    });
  }

  private active(engineId: string, platform: string, actionType: string): Grant[] {
    return this.grants.list({ engine_id: engineId, platform, action_type: actionType, status: 'active' });
  }

  /** The flows that time these grants: the approving request's, or the expiry timer of a grant made with expires_at. */
  timerFlows(grantIds: string[]): string[] {
    return grantIds.flatMap((id) => {
      const request = this.grants.requestForGrant(id);
      if (request) return [request.workflow_id];
      return this.grants.get(id)?.expires_at ? [workflowIds.grantExpiry(id)] : [];
    });
  }

  /** Idempotent: ending an already-ended grant changes nothing and records nothing. */
  end(by: Actor, id: string, status: 'revoked' | 'expired'): Grant {
    return this.changes.inTxn(() => {
      const grant = this.grants.get(id);
      if (!grant) throw new DomainError('not_found', 'GRANT_NOT_FOUND', `no grant ${id}`);
      if (this.grants.end(id, status, nowIso())) {
        this.changes.record(
          by,
          `grant.${status}`,
          { grant_id: id },
          { engine_id: grant.engine_id, platform_id: grant.platform_id, action_type: grant.action_type },
        );
      }
      return this.grants.get(id)!;
    });
  }

  /**
   * Ends everything an engine holds or waits for: its grants are revoked and its pending requests denied (nothing could
   * be granted to it any more). Returns the flows that waited on them, for the caller to tell.
   */
  closeAllOf(by: Actor, engineId: string): string[] {
    return this.changes.inTxn(() => {
      const grants = this.grants.list({ engine_id: engineId, status: 'active' });
      const requests = this.grants.listRequests({ status: 'pending', engine_id: engineId });
      const flows = [...this.timerFlows(grants.map((g) => g.id)), ...requests.map((r) => r.workflow_id)];
      for (const g of grants) this.end(by, g.id, 'revoked');
      for (const r of requests) this.settleRequest(by, r.id, 'denied', by.actor);
      return flows;
    });
  }

  /** `deadlineSeconds` from now, operators may decide; after that the request expires, by the clock. */
  createRequest(by: Actor, input: GrantRequestInput, deadlineSeconds: number): GrantRequest {
    return this.changes.inTxn(() => {
      const engine = this.engine(input.engine_id);
      // Suspension stops everything an engine does on its own account, asking for more included.
      if (engine.status !== 'active') {
        throw new DomainError(
          'forbidden',
          'ENGINE_SUSPENDED',
          `engine ${engine.id} is ${engine.status}; it cannot ask for permissions until resumed`,
        );
      }
      this.platforms.get(input.platform_id);
      // Requests past their deadline are over whether or not a worker has run their flows: they neither block nor count.
      const waiting = this.grants
        .listRequests({ status: 'pending', engine_id: input.engine_id })
        .filter((r) => !this.expireAtDeadline(by, r));
      // One open question per action: a second would start a second approval flow an operator must decide twice.
      const open = waiting.find((r) => r.platform_id === input.platform_id && r.action_type === input.action_type);
      if (open) {
        throw new DomainError(
          'conflict',
          'REQUEST_PENDING',
          `request ${open.id} for ${input.platform_id}/${input.action_type} is still waiting for an operator`,
          {
            request_id: open.id,
          },
        );
      }
      // Action names are free, so without a bound one engine key could open flows and audit entries without end.
      if (waiting.length >= MAX_PENDING_REQUESTS) {
        throw new DomainError(
          'conflict',
          'TOO_MANY_PENDING',
          `engine ${engine.id} already has ${waiting.length} requests waiting for an operator, the most it may; ask again once some are decided`,
        );
      }
      const createdMs = Date.now();
      const request: GrantRequest = {
        ...input,
        status: 'pending',
        decided_by: null,
        grant_id: null,
        created_at: new Date(createdMs).toISOString(),
        deadline_at: new Date(createdMs + deadlineSeconds * 1000).toISOString(),
        decided_at: null,
      };
      this.grants.insertRequest(request);
      this.changes.record(
        by,
        'grant_request.created',
        { request_id: input.id, scopes: input.scopes, duration_s: input.duration_s, reason: input.reason },
        {
          engine_id: input.engine_id,
          platform_id: input.platform_id,
          action_type: input.action_type,
        },
      );
      return request;
    });
  }

  /**
   * Settles a pending request; on approval creates the grant (time-boxed from now when the request
   * asked for a duration), and `superseded` lists the grants it replaced. Idempotent for workflow retries:
   * a settled request is returned as it is, with nothing superseded.
   */
  settleRequest(by: Actor, id: string, outcome: RequestOutcome, decidedBy: string | null): GrantRequest & { superseded: string[] } {
    return this.changes.inTxn(() => {
      const request = this.grants.getRequest(id);
      if (!request) throw notFound.grantRequest(id);
      if (request.status !== 'pending') return { ...request, superseded: [] };
      // An engine revoked since it asked can hold no grant: an approval arriving now denies instead of failing for ever.
      const settled = outcome === 'approved' && this.engine(request.engine_id).status === 'revoked' ? 'denied' : outcome;
      let grantId: string | null = null;
      let superseded: string[] = [];
      if (settled === 'approved') {
        const expires_at = request.duration_s === null ? null : new Date(Date.now() + request.duration_s * 1000).toISOString();
        // The operator approved these scopes for this action: they replace whatever the engine held for it.
        const created = this.create(
          by,
          {
            engine_id: request.engine_id,
            platform: request.platform_id,
            action_type: request.action_type,
            scopes: request.scopes,
            expires_at,
          },
          true,
        );
        superseded = created.superseded;
        grantId = created.id;
      }
      this.grants.settleRequest(id, settled, decidedBy, grantId, nowIso());
      this.changes.record(
        by,
        `grant_request.${settled}`,
        { request_id: id, decided_by: decidedBy, grant_id: grantId },
        {
          engine_id: request.engine_id,
          platform_id: request.platform_id,
          action_type: request.action_type,
        },
      );
      return { ...this.grants.getRequest(id)!, superseded };
    });
  }

  /**
   * Expires a pending request whose deadline has passed and returns it, or returns undefined (not pending, or still in time).
   * Its flow may not have run at the deadline (no worker); when it does, it finds the request settled.
   */
  expireAtDeadline(by: Actor, request: GrantRequest): GrantRequest | undefined {
    if (request.status !== 'pending' || Date.parse(request.deadline_at) > Date.now()) return undefined;
    return this.settleRequest({ actor: 'system', requestId: by.requestId }, request.id, 'expired', 'system:deadline');
  }

  /** Closes a pending request whose flow Temporal no longer runs: nothing else would ever settle it. */
  closeRequestOfGoneFlow(by: Actor, id: string): GrantRequest {
    return this.settleRequest(by, id, 'expired', 'system:flow-gone');
  }
}
