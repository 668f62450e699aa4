import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../../http/plugins/auth.js';
import { errorRef } from '../../../http/schemas/error.js';
import { idParams } from '../../../http/schemas/params.js';
import { engineSecurity, operatorSecurity } from '../../../http/schemas/security.js';
import { createGrantBody, grant, grantListQuery, grantRequest, grantRequestBody, grantRequestListQuery } from '../schemas.js';

const errors = { 400: errorRef, 401: errorRef, 403: errorRef, 404: errorRef, 409: errorRef, 503: errorRef };

export default async function grantRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { grants } = app.engineControl;
  const operator = app.requireRole('operator');
  const reader = app.requireRole('reader');

  app.get(
    '/grants',
    {
      onRequest: reader,
      schema: {
        summary: 'Grants, filtered',
        security: operatorSecurity,
        querystring: grantListQuery,
        response: { 200: Type.Array(grant), ...errors },
      },
    },
    async (request) => grants.list(request.query),
  );

  app.post(
    '/grants',
    {
      onRequest: operator,
      schema: {
        summary: 'Grant an engine an action on a platform; with expires_at a durable timer revokes it then',
        description:
          'An engine holds one active grant per platform and action: another one is a 409 GRANT_EXISTS, unless the body says replace: true, which ends the old one (listed in superseded) in the same step, so the engine never holds both or neither.',
        security: operatorSecurity,
        body: createGrantBody,
        response: { 201: grant, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await grants.create(actorOf(request), request.body)),
  );

  app.delete(
    '/grants/:id',
    {
      onRequest: operator,
      schema: { summary: 'Revoke a grant now', security: operatorSecurity, params: idParams, response: { 200: grant, ...errors } },
    },
    async (request) => grants.revoke(actorOf(request), request.params.id),
  );

  app.post(
    '/grants/request',
    {
      onRequest: app.authenticateEngine,
      schema: {
        summary: 'An engine asks for a permission; a workflow waits for an operator until the deadline',
        security: engineSecurity,
        body: grantRequestBody,
        response: { 202: grantRequest, ...errors },
      },
    },
    async (request, reply) => reply.status(202).send(await grants.request(actorOf(request), request.engineId!, request.body)),
  );

  app.get(
    '/grants/request/:id',
    {
      onRequest: app.authenticateEngine,
      schema: {
        summary: "An engine reads one of its own grant requests, to learn the operator's decision",
        security: engineSecurity,
        params: idParams,
        response: { 200: grantRequest, ...errors },
      },
    },
    async (request) => grants.requestOf(request.engineId!, request.params.id),
  );

  app.get(
    '/grant-requests',
    {
      onRequest: reader,
      schema: {
        summary: 'Grant requests, e.g. ?status=pending for what waits on an operator',
        security: operatorSecurity,
        querystring: grantRequestListQuery,
        response: { 200: Type.Array(grantRequest), ...errors },
      },
    },
    async (request) => grants.listRequests(request.query),
  );

  for (const [path, approved] of [
    ['approve', true],
    ['deny', false],
  ] as const) {
    app.post(
      `/grant-requests/:id/${path}`,
      {
        onRequest: operator,
        schema: {
          summary: `${approved ? 'Approve' : 'Deny'} a pending request; returns once the workflow has applied it`,
          security: operatorSecurity,
          params: idParams,
          response: { 200: grantRequest, ...errors, 504: errorRef },
        },
      },
      async (request) => grants.decide(actorOf(request), request.params.id, approved),
    );
  }
}
