import type { FastifyInstance } from 'fastify';
import type { Role } from './api-key-repository.js';
import { AppError } from '../../core/errors.js';
import { actorOf } from '../../http/plugins/auth.js';
import { errorRef } from '../../http/schemas/error.js';
import { apiKeyRecord, displayName, idParams, operatorSecurity } from '../engines/schemas.js';

const errors = { 400: errorRef, 401: errorRef, 403: errorRef, 404: errorRef };

export default async function apiKeyRoutes(app: FastifyInstance): Promise<void> {
  const { apiKeys } = app.engineControl;
  const admin = app.requireRole('admin');

  app.post<{ Body: { name: string; role: Role } }>(
    '/api-keys',
    {
      onRequest: admin,
      schema: {
        summary: 'Create an operator API key; it is returned once',
        tags: ['operators'],
        security: operatorSecurity,
        body: {
          type: 'object',
          required: ['name', 'role'],
          additionalProperties: false,
          properties: { name: displayName, role: { type: 'string', enum: ['admin', 'operator', 'reader'] } },
        },
        response: { 201: { type: 'object', properties: { key: { type: 'string' }, record: apiKeyRecord } }, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(apiKeys.create(actorOf(request), request.body.name, request.body.role)),
  );

  app.get('/api-keys', { onRequest: admin, schema: { summary: 'Operator API keys (never the secrets)', tags: ['operators'], security: operatorSecurity, response: { 200: { type: 'array', items: apiKeyRecord }, ...errors } } }, async () =>
    apiKeys.list(),
  );

  app.delete<{ Params: { id: string } }>(
    '/api-keys/:id',
    { onRequest: admin, schema: { summary: 'Revoke an operator API key', tags: ['operators'], security: operatorSecurity, params: idParams, response: { 204: { type: 'null' }, ...errors } } },
    async (request, reply) => {
      if (request.operator?.id === request.params.id) throw new AppError(400, 'CANNOT_REVOKE_SELF', 'revoke this key with another admin key');
      if (!apiKeys.revoke(actorOf(request), request.params.id)) throw new AppError(404, 'API_KEY_NOT_FOUND', `no live API key ${request.params.id}`);
      return reply.status(204).send();
    },
  );
}
