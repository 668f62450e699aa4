import { changeEntry } from '../../audit/chain.js';
import type { Actor } from '../../audit/chain.js';
import { hashSecret, newId, newSecret, nowIso } from '../../core/crypto/secrets.js';
import type { Db } from '../../core/db/database.js';
import { AuditLogRepository } from '../../audit/audit-log.js';
import { EngineEventRepository } from './repositories/engine-events.js';
import type { EngineEvent } from './repositories/engine-events.js';
import { EngineRepository } from './repositories/engines.js';
import type { Capability, Engine, EngineFilter } from './repositories/engines.js';
import { FlagRepository } from './repositories/flags.js';
import type { FeatureFlag } from './repositories/flags.js';
import { GrantRepository } from './repositories/grants.js';
import type { Grant, GrantRequest } from './repositories/grants.js';
import { MaintenanceRepository } from './repositories/maintenance.js';
import type { MaintenanceWindow, WindowStatus } from './repositories/maintenance.js';
import { PlatformRepository } from './repositories/platforms.js';
import type { Platform, PlatformStatus } from './repositories/platforms.js';
import { AppError, invalidFields } from '../../core/errors.js';
import { workflowIds } from './workflow-ids.js';

export type PublicEngine = Omit<Engine, 'key_hash'>;

const publicEngine = ({ key_hash: _hash, ...rest }: Engine): PublicEngine => rest;

/**
 * Every state change of engine control. Each method changes rows and appends its audit entry in
 * one transaction, so there is never a change without its record or a record without its change.
 */
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

/** A grant whose expires_at has passed: checks already deny it, whether or not its timer flow has ended it. */
const lapsed = (g: Grant): boolean => g.expires_at !== null && Date.parse(g.expires_at) <= Date.now();

export class EngineControl {
  readonly engines: EngineRepository;
  readonly platforms: PlatformRepository;
  readonly grants: GrantRepository;
  readonly flags: FlagRepository;
  readonly windows: MaintenanceRepository;
  readonly events: EngineEventRepository;
  private readonly audit: AuditLogRepository;

  constructor(private readonly db: Db) {
    this.engines = new EngineRepository(db);
    this.platforms = new PlatformRepository(db);
    this.grants = new GrantRepository(db);
    this.flags = new FlagRepository(db);
    this.windows = new MaintenanceRepository(db);
    this.events = new EngineEventRepository(db);
    this.audit = new AuditLogRepository(db);
  }

  private record(by: Actor, action: string, details: Record<string, unknown>, target: { engine_id?: string; platform_id?: string; action_type?: string } = {}): void {
    this.audit.append(changeEntry(by, action, details, target));
  }

  private inTxn<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  engine(id: string): Engine {
    const engine = this.engines.get(id);
    if (!engine) throw new AppError(404, 'ENGINE_NOT_FOUND', `no engine ${id}`);
    return engine;
  }

  platform(id: string): Platform {
    const platform = this.platforms.get(id);
    if (!platform) throw new AppError(404, 'PLATFORM_NOT_FOUND', `no platform ${id}`);
    return platform;
  }

  listEngines(filter: EngineFilter): PublicEngine[] {
    return this.engines.list(filter).map(publicEngine);
  }

  getEngine(id: string): PublicEngine {
    return publicEngine(this.engine(id));
  }

  /** Returns the engine and its key; the key is not stored and cannot be shown again. */
  registerEngine(by: Actor, input: { name: string; description: string; capabilities: Capability[] }): { engine: PublicEngine; key: string } {
    return this.inTxn(() => {
      if (this.engines.byName(input.name)) throw new AppError(409, 'ENGINE_EXISTS', `an engine named ${input.name} is already registered`);
      const key = newSecret('bek');
      const at = nowIso();
      const engine: Engine = { id: newId('eng'), ...input, status: 'active', key_hash: hashSecret(key), created_at: at, key_rotated_at: at };
      this.engines.insert(engine);
      this.record(by, 'engine.registered', { name: input.name, capabilities: input.capabilities }, { engine_id: engine.id });
      return { engine: publicEngine(engine), key };
    });
  }

  /** The old key stops working at once. */
  rotateKey(by: Actor, id: string): { engine: PublicEngine; key: string } {
    return this.inTxn(() => {
      const engine = this.engine(id);
      if (engine.status === 'revoked') throw new AppError(409, 'ENGINE_REVOKED', `engine ${id} is revoked; register a new engine`);
      const key = newSecret('bek');
      const at = nowIso();
      this.engines.setKey(id, hashSecret(key), at);
      this.record(by, 'engine.key_rotated', {}, { engine_id: id });
      return { engine: publicEngine({ ...engine, key_rotated_at: at }), key };
    });
  }

  setEngineStatus(by: Actor, id: string, status: 'active' | 'suspended' | 'revoked'): PublicEngine {
    return this.inTxn(() => {
      const engine = this.engine(id);
      if (engine.status === 'revoked') throw new AppError(409, 'ENGINE_REVOKED', `engine ${id} is revoked for good`);
      // Already so: the audit log records what changed, and nothing did.
      if (engine.status === status) return publicEngine(engine);
      this.engines.setStatus(id, status);
      this.record(by, `engine.${status === 'active' ? 'resumed' : status}`, { from: engine.status }, { engine_id: id });
      if (status === 'revoked') {
        for (const g of this.grants.list({ engine_id: id, status: 'active' })) this.endGrant(by, g.id, 'revoked');
        // Nothing could be granted to it any more, so nothing it asked for may stay open for an operator to approve.
        for (const r of this.grants.listRequests({ status: 'pending', engine_id: id })) this.settleGrantRequest(by, r.id, 'denied', by.actor);
      }
      return publicEngine({ ...engine, status });
    });
  }

  /** A status left out keeps the platform's own, so updating a version cannot reopen a disabled platform or end a maintenance. */
  putPlatform(by: Actor, input: { id: string; name: string; status?: PlatformStatus; version: string }): Platform {
    return this.inTxn(() => {
      const before = this.platforms.get(input.id);
      const platform: Platform = { ...input, status: input.status ?? before?.status ?? 'active', updated_at: nowIso() };
      this.platforms.upsert(platform);
      // Only a change: a client that writes back the maintenance it just read has not asked to stay in it.
      if (input.status && input.status !== before?.status) this.keepThroughWindows(input.id, input.status);
      this.record(by, before ? 'platform.updated' : 'platform.created', { before: before ?? null, after: { ...input, status: platform.status } }, { platform_id: input.id });
      return platform;
    });
  }

  setPlatformStatus(by: Actor, id: string, status: PlatformStatus): Platform {
    return this.inTxn(() => {
      const platform = this.platform(id);
      this.platforms.setStatus(id, status, nowIso());
      if (status !== platform.status) this.keepThroughWindows(id, status);
      this.record(by, 'platform.status', { from: platform.status, to: status }, { platform_id: id });
      return { ...platform, status };
    });
  }

  /** An operator's status set while a window runs is the one the platform keeps when the window ends. */
  private keepThroughWindows(id: string, status: PlatformStatus): void {
    if (this.platforms.statusAfterWindows(id) !== null) this.platforms.setStatusAfterWindows(id, status);
  }

  /**
   * What `createGrant` would refuse, checked without writing: the grants it would replace (a 409 unless
   * `replacing`). Lets a caller start the grant's timer before the grant is in force.
   */
  checkGrant(input: GrantInput, replacing = false): string[] {
    const engine = this.engine(input.engine_id);
    if (engine.status === 'revoked') throw new AppError(409, 'ENGINE_REVOKED', `engine ${engine.id} is revoked`);
    this.platform(input.platform);
    if (input.expires_at !== null && new Date(input.expires_at) <= new Date()) {
      throw invalidFields([{ field: 'body.expires_at', message: 'must be in the future' }]);
    }
    const current = this.activeGrants(input.engine_id, input.platform, input.action_type)
      .filter((g) => !lapsed(g))
      .map((g) => g.id);
    if (current.length > 0 && !replacing) {
      throw new AppError(409, 'GRANT_EXISTS', `engine ${input.engine_id} already holds ${current.join(', ')} for ${input.platform}/${input.action_type}; send "replace": true to replace it, or revoke it first`, {
        grant_ids: current,
      });
    }
    return current;
  }

  /**
   * Adds a grant. An active grant for the same engine, platform and action is a 409 unless `replacing`, and then
   * it ends in the same transaction (audited as `grant.superseded`, listed in `superseded`): there is never a
   * moment with both, or with neither. `id` is one the caller chose already, for a timer it started.
   */
  createGrant(by: Actor, input: GrantInput, replacing = false, id = newId('grt')): Grant & { superseded: string[] } {
    return this.inTxn(() => {
      const current = this.checkGrant(input, replacing);
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
      for (const old of this.activeGrants(input.engine_id, input.platform, input.action_type).filter(lapsed)) {
        this.grants.end(old.id, 'expired', old.expires_at!);
        this.record({ actor: 'system', requestId: by.requestId }, 'grant.expired', { grant_id: old.id }, where);
      }
      for (const old of current) {
        this.grants.end(old, 'revoked', nowIso());
        this.record(by, 'grant.superseded', { grant_id: old, by_grant_id: grant.id }, where);
      }
      this.grants.insert(grant);
      this.record(by, 'grant.created', { grant_id: grant.id, scopes: grant.scopes, expires_at: grant.expires_at }, where);
      return { ...grant, superseded: current };
    });
  }

  private activeGrants(engineId: string, platform: string, actionType: string): Grant[] {
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

  /** What still waits in Temporal on an engine's account: its grants' timers and its pending requests. */
  openFlowsOf(engineId: string): string[] {
    const grants = this.grants.list({ engine_id: engineId, status: 'active' }).map((g) => g.id);
    const requests = this.grants.listRequests({ status: 'pending', engine_id: engineId });
    return [...this.timerFlows(grants), ...requests.map((r) => r.workflow_id)];
  }

  /** Idempotent: ending an already-ended grant changes nothing and records nothing. */
  endGrant(by: Actor, id: string, status: 'revoked' | 'expired'): Grant {
    return this.inTxn(() => {
      const grant = this.grants.get(id);
      if (!grant) throw new AppError(404, 'GRANT_NOT_FOUND', `no grant ${id}`);
      if (this.grants.end(id, status, nowIso())) {
        this.record(by, `grant.${status}`, { grant_id: id }, { engine_id: grant.engine_id, platform_id: grant.platform_id, action_type: grant.action_type });
      }
      return this.grants.get(id)!;
    });
  }

  /** `deadlineSeconds` from now, operators may decide; after that the request expires, by the clock. */
  createGrantRequest(by: Actor, input: Omit<GrantRequest, 'status' | 'decided_by' | 'grant_id' | 'created_at' | 'deadline_at' | 'decided_at'>, deadlineSeconds: number): GrantRequest {
    return this.inTxn(() => {
      const engine = this.engine(input.engine_id);
      // Suspension stops everything an engine does on its own account, asking for more included.
      if (engine.status !== 'active') throw new AppError(403, 'ENGINE_SUSPENDED', `engine ${engine.id} is ${engine.status}; it cannot ask for permissions until resumed`);
      this.platform(input.platform_id);
      // Requests past their deadline are over whether or not a worker has run their flows: they neither block nor count.
      const waiting = this.grants.listRequests({ status: 'pending', engine_id: input.engine_id }).filter((r) => !this.expireAtDeadline(by, r));
      // One open question per action: a second would start a second approval flow an operator must decide twice.
      const open = waiting.find((r) => r.platform_id === input.platform_id && r.action_type === input.action_type);
      if (open) {
        throw new AppError(409, 'REQUEST_PENDING', `request ${open.id} for ${input.platform_id}/${input.action_type} is still waiting for an operator`, { request_id: open.id });
      }
      // Action names are free, so without a bound one engine key could open flows and audit entries without end.
      if (waiting.length >= MAX_PENDING_REQUESTS) {
        throw new AppError(409, 'TOO_MANY_PENDING', `engine ${engine.id} already has ${waiting.length} requests waiting for an operator, the most it may; ask again once some are decided`);
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
      this.record(by, 'grant_request.created', { request_id: input.id, scopes: input.scopes, duration_s: input.duration_s, reason: input.reason }, {
        engine_id: input.engine_id,
        platform_id: input.platform_id,
        action_type: input.action_type,
      });
      return request;
    });
  }

  /**
   * Settles a pending request; on approval creates the grant (time-boxed from now when the request
   * asked for a duration), and `superseded` lists the grants it replaced. Idempotent for workflow retries:
   * a settled request is returned as it is, with nothing superseded.
   */
  settleGrantRequest(by: Actor, id: string, outcome: 'approved' | 'denied' | 'expired', decidedBy: string | null): GrantRequest & { superseded: string[] } {
    return this.inTxn(() => {
      const request = this.grants.getRequest(id);
      if (!request) throw new AppError(404, 'GRANT_REQUEST_NOT_FOUND', `no grant request ${id}`);
      if (request.status !== 'pending') return { ...request, superseded: [] };
      // An engine revoked since it asked can hold no grant: an approval arriving now denies instead of failing for ever.
      const settled = outcome === 'approved' && this.engine(request.engine_id).status === 'revoked' ? 'denied' : outcome;
      let grantId: string | null = null;
      let superseded: string[] = [];
      if (settled === 'approved') {
        const expires_at = request.duration_s === null ? null : new Date(Date.now() + request.duration_s * 1000).toISOString();
        // The operator approved these scopes for this action: they replace whatever the engine held for it.
        const created = this.createGrant(by, { engine_id: request.engine_id, platform: request.platform_id, action_type: request.action_type, scopes: request.scopes, expires_at }, true);
        superseded = created.superseded;
        grantId = created.id;
      }
      this.grants.settleRequest(id, settled, decidedBy, grantId, nowIso());
      this.record(by, `grant_request.${settled}`, { request_id: id, decided_by: decidedBy, grant_id: grantId }, {
        engine_id: request.engine_id,
        platform_id: request.platform_id,
        action_type: request.action_type,
      });
      return { ...this.grants.getRequest(id)!, superseded };
    });
  }

  /**
   * Expires a pending request whose deadline has passed and returns it, or returns undefined (not pending, or still in time).
   * Its flow may not have run at the deadline (no worker); when it does, it finds the request settled.
   */
  expireAtDeadline(by: Actor, request: GrantRequest): GrantRequest | undefined {
    if (request.status !== 'pending' || request.deadline_at === null || Date.parse(request.deadline_at) > Date.now()) return undefined;
    return this.settleGrantRequest({ actor: 'system', requestId: by.requestId }, request.id, 'expired', 'system:deadline');
  }

  /** Closes a pending request whose flow Temporal no longer runs: nothing else would ever settle it. */
  closeRequestOfGoneFlow(by: Actor, id: string): GrantRequest {
    return this.settleGrantRequest(by, id, 'expired', 'system:flow-gone');
  }

  putFlag(by: Actor, input: Omit<FeatureFlag, 'updated_at'>): FeatureFlag {
    return this.inTxn(() => {
      // A gate on a misspelt platform would be stored, answered 200 and gate nothing.
      if (input.platform_id !== null) this.platform(input.platform_id);
      const flag: FeatureFlag = { ...input, updated_at: nowIso() };
      const before = this.flags.get(input.name) ?? null;
      this.flags.upsert(flag);
      this.record(by, 'flag.set', { name: flag.name, before, after: input }, { platform_id: flag.platform_id ?? undefined, action_type: flag.action_type ?? undefined });
      return flag;
    });
  }

  deleteFlag(by: Actor, name: string): void {
    this.inTxn(() => {
      if (!this.flags.delete(name)) throw new AppError(404, 'FLAG_NOT_FOUND', `no feature flag ${name}`);
      this.record(by, 'flag.deleted', { name });
    });
  }

  createWindow(by: Actor, window: Omit<MaintenanceWindow, 'status' | 'created_at'>): MaintenanceWindow {
    return this.inTxn(() => {
      this.platform(window.platform_id);
      const w: MaintenanceWindow = { ...window, status: 'scheduled', created_at: nowIso() };
      this.windows.insert(w);
      this.record(by, 'maintenance.scheduled', { window_id: w.id, starts_at: w.starts_at, ends_at: w.ends_at }, { platform_id: w.platform_id });
      return w;
    });
  }

  /**
   * Moves a window and its platform together: active → platform in maintenance; completed/cancelled → back
   * to the status it had before the first window began (or that an operator set since), once no other window
   * of that platform is under way. A disabled platform stays disabled throughout.
   */
  transitionWindow(by: Actor, id: string, status: Exclude<WindowStatus, 'scheduled'>): MaintenanceWindow {
    return this.inTxn(() => {
      const w = this.windows.get(id);
      if (!w) throw new AppError(404, 'WINDOW_NOT_FOUND', `no maintenance window ${id}`);
      if (w.status === status || w.status === 'completed' || w.status === 'cancelled') return w;
      const platform = this.platform(w.platform_id);
      const alone = !this.windows.list({ platform: w.platform_id, status: 'active' }).some((o) => o.id !== id);
      let target: PlatformStatus | undefined;
      if (status === 'active') {
        // Another window in force with nothing recorded began before this was recorded: its maintenance is its own doing.
        const before = !alone && platform.status === 'maintenance' ? 'active' : platform.status;
        if (this.platforms.statusAfterWindows(w.platform_id) === null) this.platforms.setStatusAfterWindows(w.platform_id, before);
        if (platform.status !== 'disabled') target = 'maintenance';
      } else if (w.status === 'active' && alone) {
        // Windows begun before this was recorded go back to active, as they always did.
        const after = this.platforms.statusAfterWindows(w.platform_id) ?? 'active';
        this.platforms.setStatusAfterWindows(w.platform_id, null);
        if (platform.status === 'maintenance') target = after;
      }
      if (target) this.platforms.setStatus(w.platform_id, target, nowIso());
      this.windows.setStatus(id, status);
      this.record(by, `maintenance.${status}`, { window_id: id, platform_status: target ?? platform.status }, { platform_id: w.platform_id });
      return { ...w, status };
    });
  }

  logEvent(event: Omit<EngineEvent, 'id' | 'created_at'>): EngineEvent {
    const e: EngineEvent = { ...event, id: newId('evt'), created_at: nowIso() };
    this.events.insert(e);
    return e;
  }
}
