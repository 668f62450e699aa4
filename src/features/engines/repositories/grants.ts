import type { Static } from 'typebox';
import type { Db } from '../../../core/db/database.js';
import { pagedWhere } from '../../../core/db/paging.js';
import type { grant, GrantListQuery, grantRequest, GrantRequestListQuery } from '../schemas.js';

/** A grant as stored: the API's view of it without what only POST /grants answers. */
export type Grant = Required<Omit<Static<typeof grant>, 'expiry_workflow_id' | 'superseded'>>;
export type GrantStatus = Grant['status'];

/** After `deadline_at` a decision no longer counts; every request has one. */
export type GrantRequest = Required<Omit<Static<typeof grantRequest>, 'deadline_at'>> & { deadline_at: string };
export type GrantRequestStatus = GrantRequest['status'];

type WithJsonScopes<T> = Omit<T, 'scopes'> & { scopes: string };
const parse = <T extends { scopes: string[] }>(row: WithJsonScopes<T>): T => ({ ...row, scopes: JSON.parse(row.scopes) as string[] }) as T;

export type GrantFilter = Partial<GrantListQuery>;
export type GrantRequestFilter = Partial<GrantRequestListQuery>;

/** Oldest first. */
const listWhere = (table: 'grants' | 'grant_requests', filter: GrantFilter | GrantRequestFilter) =>
  pagedWhere(
    table,
    'created_at',
    { engine_id: filter.engine_id, platform_id: filter.platform, action_type: filter.action_type, status: filter.status },
    filter,
  );

export class GrantRepository {
  constructor(private readonly db: Db) {}

  insert(g: Grant): void {
    this.db
      .prepare(
        `INSERT INTO grants (id, engine_id, platform_id, action_type, scopes, expires_at, status, created_at, ended_at)
         VALUES (@id, @engine_id, @platform_id, @action_type, @scopes, @expires_at, @status, @created_at, @ended_at)`,
      )
      .run({ ...g, scopes: JSON.stringify(g.scopes) });
  }

  get(id: string): Grant | undefined {
    const row = this.db.prepare<[string], WithJsonScopes<Grant>>('SELECT * FROM grants WHERE id = ?').get(id);
    return row && parse<Grant>(row);
  }

  list(filter: GrantFilter = {}): Grant[] {
    const { sql, params } = listWhere('grants', filter);
    return this.db
      .prepare<Record<string, string | number>, WithJsonScopes<Grant>>(`SELECT * FROM grants WHERE ${sql}`)
      .all(params)
      .map((r) => parse<Grant>(r));
  }

  /** Per (engine, platform, action), the grant that ended last if it expired rather than was revoked: it lets a check say grant_expired. */
  latestExpired(): Grant[] {
    return this.db
      .prepare<[], WithJsonScopes<Grant>>(
        "SELECT g.* FROM grant_last_ended e JOIN grants g ON g.id = e.grant_id WHERE g.status = 'expired'",
      )
      .all()
      .map((r) => parse<Grant>(r));
  }

  /** Ends a grant that is still active; false if it had already ended. */
  end(id: string, status: 'revoked' | 'expired', at: string): boolean {
    return (
      this.db.prepare("UPDATE grants SET status = ?, ended_at = ? WHERE id = ? AND status = 'active'").run(status, at, id).changes === 1
    );
  }

  insertRequest(r: GrantRequest): void {
    this.db
      .prepare(
        `INSERT INTO grant_requests (id, engine_id, platform_id, action_type, scopes, duration_s, reason, status, decided_by, grant_id, workflow_id, created_at, deadline_at, decided_at)
         VALUES (@id, @engine_id, @platform_id, @action_type, @scopes, @duration_s, @reason, @status, @decided_by, @grant_id, @workflow_id, @created_at, @deadline_at, @decided_at)`,
      )
      .run({ ...r, scopes: JSON.stringify(r.scopes) });
  }

  getRequest(id: string): GrantRequest | undefined {
    const row = this.db.prepare<[string], WithJsonScopes<GrantRequest>>('SELECT * FROM grant_requests WHERE id = ?').get(id);
    return row && parse<GrantRequest>(row);
  }

  /** The request whose approval made this grant, if one did. */
  requestForGrant(grantId: string): GrantRequest | undefined {
    const row = this.db.prepare<[string], WithJsonScopes<GrantRequest>>('SELECT * FROM grant_requests WHERE grant_id = ?').get(grantId);
    return row && parse<GrantRequest>(row);
  }

  listRequests(filter: GrantRequestFilter = {}): GrantRequest[] {
    const { sql, params } = listWhere('grant_requests', filter);
    return this.db
      .prepare<Record<string, string | number>, WithJsonScopes<GrantRequest>>(`SELECT * FROM grant_requests WHERE ${sql}`)
      .all(params)
      .map((r) => parse<GrantRequest>(r));
  }

  /** Settles a pending request; false if it was already settled (the workflow retried). */
  settleRequest(
    id: string,
    status: Exclude<GrantRequestStatus, 'pending'>,
    decidedBy: string | null,
    grantId: string | null,
    at: string,
  ): boolean {
    return (
      this.db
        .prepare("UPDATE grant_requests SET status = ?, decided_by = ?, grant_id = ?, decided_at = ? WHERE id = ? AND status = 'pending'")
        .run(status, decidedBy, grantId, at, id).changes === 1
    );
  }
}
