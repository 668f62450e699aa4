import type { FastifyInstance } from 'fastify';
import { version } from '../../../core/version.js';
import { actorOf } from '../../../http/plugins/auth.js';
import { errorRef } from '../../../http/schemas/error.js';
import { eitherSecurity, flag, flagParams, operatorSecurity, putFlagBody } from '../schemas.js';

const errors = { 400: errorRef, 401: errorRef, 403: errorRef, 404: errorRef };
export const API_VERSION = 'v1';

export default async function configRoutes(app: FastifyInstance): Promise<void> {
  const { control, cache } = app.engineControl;
  const operator = app.requireRole('operator');

  app.get(
    '/config/global',
    {
      onRequest: app.authenticateEngineOrOperator,
      schema: {
        summary: 'Feature flags and API version',
        tags: ['config'],
        security: eitherSecurity,
        response: {
          200: {
            type: 'object',
            properties: {
              api_version: { type: 'string' },
              server_version: { type: 'string' },
              flags: { type: 'object', additionalProperties: { type: 'boolean' } },
            },
          },
          ...errors,
        },
      },
    },
    async () => ({
      api_version: API_VERSION,
      server_version: version,
      flags: Object.fromEntries(cache.current().flags.map((f) => [f.name, f.enabled])),
    }),
  );

  app.get('/flags', { onRequest: app.requireRole('reader'), schema: { summary: 'Feature flags with their targets', tags: ['config'], security: operatorSecurity, response: { 200: { type: 'array', items: flag }, ...errors } } }, async () =>
    control.flags.list(),
  );

  app.put<{ Params: { name: string }; Body: { enabled: boolean; platform?: string; action_type?: string; description: string } }>(
    '/flags/:name',
    {
      onRequest: operator,
      schema: {
        summary: 'Set a flag; one with a platform and/or action_type, when disabled, denies matching checks. A platform it names must be registered (404 PLATFORM_NOT_FOUND)',
        tags: ['config'],
        security: operatorSecurity,
        params: flagParams,
        body: putFlagBody,
        response: { 200: flag, ...errors },
      },
    },
    async (request) =>
      control.putFlag(actorOf(request), {
        name: request.params.name,
        enabled: request.body.enabled,
        platform_id: request.body.platform ?? null,
        action_type: request.body.action_type ?? null,
        description: request.body.description,
      }),
  );

  app.delete<{ Params: { name: string } }>(
    '/flags/:name',
    { onRequest: operator, schema: { summary: 'Delete a flag', tags: ['config'], security: operatorSecurity, params: flagParams, response: { 204: { type: 'null' }, ...errors } } },
    async (request, reply) => {
      control.deleteFlag(actorOf(request), request.params.name);
      return reply.status(204).send();
    },
  );
}
