import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../../http/plugins/auth.js';
import { errorRef } from '../../../http/schemas/error.js';
import { idParams } from '../../../http/schemas/params.js';
import { engineSecurity, operatorSecurity } from '../../../http/schemas/security.js';
import { engine, engineListQuery, engineValidation, engineWithKey, registerEngineBody } from '../schemas.js';

const errors = { 400: errorRef, 401: errorRef, 403: errorRef, 404: errorRef, 409: errorRef };

export default async function engineRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { engines } = app.engineControl;
  const operator = app.requireRole('operator');
  const reader = app.requireRole('reader');

  app.post(
    '/engines/register',
    {
      onRequest: operator,
      schema: {
        summary: 'Register an engine; its key is returned once',
        security: operatorSecurity,
        body: registerEngineBody,
        response: { 201: engineWithKey, ...errors },
      },
    },
    async (request, reply) => {
      const { engine: registered, key } = engines.register(actorOf(request), request.body);
      return reply.status(201).send({ engine_id: registered.id, key, engine: registered });
    },
  );

  app.post(
    '/engines/validate',
    {
      onRequest: app.authenticateEngine,
      schema: { summary: 'An engine verifies its identity', security: engineSecurity, response: { 200: engineValidation, ...errors } },
    },
    async (request) => {
      const e = engines.get(request.engineId!);
      return { valid: true, engine_id: e.id, status: e.status, name: e.name };
    },
  );

  app.get(
    '/engines',
    {
      onRequest: reader,
      schema: {
        summary: 'Engines, oldest first, filtered',
        security: operatorSecurity,
        querystring: engineListQuery,
        response: { 200: Type.Array(engine), ...errors },
      },
    },
    async (request) => engines.list(request.query),
  );

  app.get(
    '/engines/:id',
    {
      onRequest: reader,
      schema: { summary: 'One engine', security: operatorSecurity, params: idParams, response: { 200: engine, ...errors } },
    },
    async (request) => engines.get(request.params.id),
  );

  app.post(
    '/engines/:id/rotate-key',
    {
      onRequest: operator,
      schema: {
        summary: 'Issue a new key; the old one stops working at once',
        security: operatorSecurity,
        params: idParams,
        response: { 200: engineWithKey, ...errors },
      },
    },
    async (request) => {
      const { engine: e, key } = engines.rotateKey(actorOf(request), request.params.id);
      return { engine_id: e.id, key, engine: e };
    },
  );

  for (const [path, status, summary] of [
    ['suspend', 'suspended', 'Suspend: checks are denied until resumed. Suspending a suspended engine changes and records nothing'],
    ['resume', 'active', 'Resume a suspended engine. Resuming an active engine changes and records nothing'],
    ['revoke', 'revoked', 'Revoke for good: the key stops working and all grants end'],
  ] as const) {
    app.post(
      `/engines/:id/${path}`,
      { onRequest: operator, schema: { summary, security: operatorSecurity, params: idParams, response: { 200: engine, ...errors } } },
      async (request) => engines.setStatus(actorOf(request), request.params.id, status),
    );
  }
}
