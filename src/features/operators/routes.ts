import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { actorOf } from '../../http/plugins/auth.js';
import { errorRef } from '../../http/schemas/error.js';
import { idParams } from '../../http/schemas/params.js';
import { operatorSecurity } from '../../http/schemas/security.js';
import { apiKeyRecord, createApiKeyBody, createdApiKey } from './schemas.js';

const errors = { 400: errorRef, 401: errorRef, 403: errorRef, 404: errorRef };

export default async function apiKeyRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { apiKeys } = app.operators;
  const admin = app.requireRole('admin');

  app.post(
    '/api-keys',
    {
      onRequest: admin,
      schema: {
        summary: 'Create an operator API key; it is returned once',
        security: operatorSecurity,
        body: createApiKeyBody,
        response: { 201: createdApiKey, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(apiKeys.create(actorOf(request), request.body.name, request.body.role)),
  );

  app.get(
    '/api-keys',
    {
      onRequest: admin,
      schema: {
        summary: 'Operator API keys (never the secrets)',
        security: operatorSecurity,
        response: { 200: Type.Array(apiKeyRecord), ...errors },
      },
    },
    async () => apiKeys.list(),
  );

  app.delete(
    '/api-keys/:id',
    {
      onRequest: admin,
      schema: {
        summary: 'Revoke an operator API key',
        security: operatorSecurity,
        params: idParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      apiKeys.revoke(actorOf(request), request.params.id, request.operator?.id);
      return reply.status(204).send(null);
    },
  );
}
