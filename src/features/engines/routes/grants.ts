import type { FastifyInstance } from 'fastify';
import { newId } from '../../../core/crypto/secrets.js';
import type { GrantFilter, GrantRequestFilter } from '../repositories/grants.js';
import { AppError } from '../../../core/errors.js';
import { FlowGoneError, startOr503, startOrUndo } from '../flows.js';
import { flowLeftBehind } from '../reconcile.js';
import { workflowIds } from '../workflow-ids.js';
import { utcTime } from '../../../core/time.js';
import { actorOf } from '../../../http/plugins/auth.js';
import { errorRef } from '../../../http/schemas/error.js';
import { createGrantBody, engineSecurity, grant, grantRequest, grantRequestBody, idParams, operatorSecurity } from '../schemas.js';
import { cursorNamesNothing, pageQuery } from '../../../http/schemas/page.js';

const errors = { 400: errorRef, 401: errorRef, 403: errorRef, 404: errorRef, 409: errorRef, 503: errorRef };

interface CreateGrantBody {
  engine_id: string;
  platform: string;
  action_type: string;
  scopes: string[];
  expires_at?: string;
  replace?: boolean;
}

interface GrantRequestBody {
  platform: string;
  action_type: string;
  scopes: string[];
  duration_s?: number;
  reason: string;
  deadline_s: number;
}

export default async function grantRoutes(app: FastifyInstance): Promise<void> {
  const { control, flows } = app.engineControl;
  const operator = app.requireRole('operator');
  const reader = app.requireRole('reader');

  app.get<{ Querystring: GrantFilter }>(
    '/grants',
    {
      onRequest: reader,
      schema: {
        summary: 'Grants, filtered',
        tags: ['grants'],
        security: operatorSecurity,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            engine_id: { type: 'string', maxLength: 100 },
            platform: { type: 'string', maxLength: 100 },
            action_type: { type: 'string', maxLength: 100 },
            status: { type: 'string', enum: ['active', 'revoked', 'expired'] },
            ...pageQuery,
          },
        },
        response: { 200: { type: 'array', items: grant }, ...errors },
      },
    },
    async (request) => {
      if (request.query.after && !control.grants.get(request.query.after)) throw cursorNamesNothing('after', 'grant', request.query.after);
      return control.grants.list(request.query);
    },
  );

  app.post<{ Body: CreateGrantBody }>(
    '/grants',
    {
      onRequest: operator,
      schema: {
        summary: 'Grant an engine an action on a platform; with expires_at a durable timer revokes it then',
        description: 'An engine holds one active grant per platform and action: another one is a 409 GRANT_EXISTS, unless the body says replace: true, which ends the old one (listed in superseded) in the same step, so the engine never holds both or neither.',
        tags: ['grants'],
        security: operatorSecurity,
        body: createGrantBody,
        response: { 201: grant, ...errors },
      },
    },
    async (request, reply) => {
      const { expires_at, replace = false, ...rest } = request.body;
      const by = actorOf(request);
      const input = { ...rest, expires_at: expires_at ? utcTime('body.expires_at', expires_at) : null };
      control.checkGrant(input, replace);
      const id = newId('grt');
      const expiresAt = input.expires_at;
      // The timer first: a grant whose timer Temporal did not confirm is never in force, not even for a moment.
      const expiry_workflow_id =
        expiresAt &&
        (await startOr503(
          () => flows.startGrantExpiry(id, input.engine_id, input.platform, expiresAt),
          `Temporal did not confirm the start of the expiry timer; no grant was made${replace ? ' and the one it was to replace stays' : ''}`,
        ));
      let created;
      try {
        created = control.createGrant(by, input, replace, id);
      } catch (err) {
        if (expiry_workflow_id) flows.closeInBackground([expiry_workflow_id], request.log);
        throw err;
      }
      flows.closeInBackground(control.timerFlows(created.superseded), request.log);
      // Read again: a grant made meanwhile (an approval) may have replaced this one already.
      return reply.status(201).send({ ...control.grants.get(created.id), ...(expiry_workflow_id ? { expiry_workflow_id } : {}), superseded: created.superseded });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/grants/:id',
    { onRequest: operator, schema: { summary: 'Revoke a grant now', tags: ['grants'], security: operatorSecurity, params: idParams, response: { 200: grant, ...errors } } },
    async (request) => {
      const ended = control.endGrant(actorOf(request), request.params.id, 'revoked');
      flows.closeInBackground(control.timerFlows([ended.id]), request.log);
      return ended;
    },
  );

  app.post<{ Body: GrantRequestBody }>(
    '/grants/request',
    {
      onRequest: app.authenticateEngine,
      schema: {
        summary: 'An engine asks for a permission; a workflow waits for an operator until the deadline',
        tags: ['grants'],
        security: engineSecurity,
        body: grantRequestBody,
        response: { 202: grantRequest, ...errors },
      },
    },
    async (request, reply) => {
      const engineId = request.engineId!;
      const id = newId('greq');
      const workflow_id = workflowIds.grantRequest(engineId, id);
      const { platform, action_type, scopes, duration_s, reason, deadline_s } = request.body;
      const ask = () =>
        control.createGrantRequest(actorOf(request), { id, engine_id: engineId, platform_id: platform, action_type, scopes, duration_s: duration_s ?? null, reason, workflow_id }, deadline_s);
      let created;
      try {
        created = ask();
      } catch (err) {
        // A request left pending by a crash before its flow started, or whose flow was terminated, would block this action for good.
        const open = err instanceof AppError && err.code === 'REQUEST_PENDING' ? control.grants.getRequest(String(err.details?.request_id)) : undefined;
        const state = open ? await flows.state(open.workflow_id).catch(() => 'running' as const) : 'running';
        if (!open || !flowLeftBehind(state, open.created_at)) throw err;
        control.closeRequestOfGoneFlow({ actor: 'system', requestId: request.id }, open.id);
        created = ask();
      }
      await startOrUndo(
        () => flows.startGrantRequest(workflow_id, engineId, platform, id, created.deadline_at!),
        // decided_by tells this closing apart from a deadline nobody met.
        () => control.settleGrantRequest({ actor: 'system', requestId: request.id }, id, 'expired', 'system:flow-start-unconfirmed'),
        'Temporal did not confirm the start of the approval workflow; the request was closed',
      );
      return reply.status(202).send(created);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/grants/request/:id',
    {
      onRequest: app.authenticateEngine,
      schema: {
        summary: "An engine reads one of its own grant requests, to learn the operator's decision",
        tags: ['grants'],
        security: engineSecurity,
        params: idParams,
        response: { 200: grantRequest, ...errors },
      },
    },
    async (request) => {
      const found = control.grants.getRequest(request.params.id);
      // Another engine's request is as invisible as a missing one.
      if (!found || found.engine_id !== request.engineId) throw new AppError(404, 'GRANT_REQUEST_NOT_FOUND', `no grant request ${request.params.id}`);
      return found;
    },
  );

  app.get<{ Querystring: GrantRequestFilter }>(
    '/grant-requests',
    {
      onRequest: reader,
      schema: {
        summary: 'Grant requests, e.g. ?status=pending for what waits on an operator',
        tags: ['grants'],
        security: operatorSecurity,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: ['pending', 'approved', 'denied', 'expired'] },
            engine_id: { type: 'string', maxLength: 100 },
            platform: { type: 'string', maxLength: 100 },
            action_type: { type: 'string', maxLength: 100 },
            ...pageQuery,
          },
        },
        response: { 200: { type: 'array', items: grantRequest }, ...errors },
      },
    },
    async (request) => {
      if (request.query.after && !control.grants.getRequest(request.query.after)) throw cursorNamesNothing('after', 'grant request', request.query.after);
      return control.grants.listRequests(request.query);
    },
  );

  for (const [path, approved] of [
    ['approve', true],
    ['deny', false],
  ] as const) {
    app.post<{ Params: { id: string } }>(
      `/grant-requests/:id/${path}`,
      {
        onRequest: operator,
        schema: {
          summary: `${approved ? 'Approve' : 'Deny'} a pending request; returns once the workflow has applied it`,
          tags: ['grants'],
          security: operatorSecurity,
          params: idParams,
          response: { 200: grantRequest, ...errors, 504: errorRef },
        },
      },
      async (request) => {
        const pending = control.grants.getRequest(request.params.id);
        if (!pending) throw new AppError(404, 'GRANT_REQUEST_NOT_FOUND', `no grant request ${request.params.id}`);
        if (pending.status !== 'pending') throw new AppError(409, 'REQUEST_NOT_PENDING', `request ${pending.id} is already ${pending.status}`);
        const by = actorOf(request);
        if (control.expireAtDeadline(by, pending)) {
          throw new AppError(409, 'REQUEST_NOT_PENDING', `request ${pending.id} expired at its deadline, ${pending.deadline_at}, before this decision`);
        }
        const settled = await flows.decide(pending.workflow_id, { approved, by: by.actor, requestId: by.requestId }).catch((err: unknown) => {
          if (!(err instanceof FlowGoneError)) throw err;
          // Nothing would ever settle it, and it would block the engine's next request for this action.
          control.closeRequestOfGoneFlow({ actor: 'system', requestId: request.id }, pending.id);
          throw new AppError(409, 'REQUEST_NOT_PENDING', `request ${pending.id} had no flow left in Temporal (terminated or failed there), so it was closed as expired; the engine may ask again`);
        });
        // A retry after a 504 joins the decision already waiting, which may have been the other one.
        if (settled.status !== (approved ? 'approved' : 'denied')) {
          throw new AppError(409, 'REQUEST_NOT_PENDING', `request ${pending.id} is already ${settled.status}, by an earlier decision`);
        }
        return control.grants.getRequest(pending.id);
      },
    );
  }
}
