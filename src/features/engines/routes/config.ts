import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { version } from '../../../core/version.js';
import { actorOf } from '../../../http/plugins/auth.js';
import { errorRef } from '../../../http/schemas/error.js';
import { eitherSecurity, operatorSecurity } from '../../../http/schemas/security.js';
import { flag, flagParams, globalConfig, putFlagBody } from '../schemas.js';

const errors = { 400: errorRef, 401: errorRef, 403: errorRef, 404: errorRef };
export const API_VERSION = 'v1';

export default async function configRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { flags, cache } = app.engineControl;
  const operator = app.requireRole('operator');

  app.get(
    '/config/global',
    {
      onRequest: app.authenticateEngineOrOperator,
      schema: { summary: 'Feature flags and API version', security: eitherSecurity, response: { 200: globalConfig, ...errors } },
    },
    async () => ({
      api_version: API_VERSION,
      server_version: version,
      flags: Object.fromEntries(cache.current().flags.map((f) => [f.name, f.enabled])),
    }),
  );

  app.get(
    '/flags',
    {
      onRequest: app.requireRole('reader'),
      schema: { summary: 'Feature flags with their targets', security: operatorSecurity, response: { 200: Type.Array(flag), ...errors } },
    },
    async () => flags.list(),
  );

  app.put(
    '/flags/:name',
    {
      onRequest: operator,
      schema: {
        summary:
          'Set a flag; one with a platform and/or action_type, when disabled, denies matching checks. A platform it names must be registered (404 PLATFORM_NOT_FOUND)',
        security: operatorSecurity,
        params: flagParams,
        body: putFlagBody,
        response: { 200: flag, ...errors },
      },
    },
    async (request) => flags.put(actorOf(request), request.params.name, request.body),
  );

  app.delete(
    '/flags/:name',
    {
      onRequest: operator,
      schema: { summary: 'Delete a flag', security: operatorSecurity, params: flagParams, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      flags.delete(actorOf(request), request.params.name);
      return reply.status(204).send(null);
    },
  );
}
