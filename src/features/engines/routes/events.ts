import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errorRef } from '../../../http/schemas/error.js';
import { engineSecurity, operatorSecurity } from '../../../http/schemas/security.js';
import { engineEvent, engineEventBody, eventAccepted, eventListQuery } from '../schemas.js';
import { MAX_DATA_DEPTH } from '../services/events.js';

export default async function eventRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { events } = app.engineControl;

  app.post(
    '/log/engine_event',
    {
      onRequest: app.authenticateEngine,
      bodyLimit: 64 * 1024,
      schema: {
        summary: 'An engine submits an event for central collection',
        description: `data may nest objects and arrays at most ${MAX_DATA_DEPTH} levels deep, data itself being the first, and its numbers must be finite (1e400 is refused, not stored as null).`,
        security: engineSecurity,
        body: engineEventBody,
        response: { 202: eventAccepted, 400: errorRef, 401: errorRef },
      },
    },
    async (request, reply) => {
      const e = events.record(request.engineId!, request.body, request.id);
      return reply.status(202).send({ event_id: e.id });
    },
  );

  app.get(
    '/log/engine_events',
    {
      onRequest: app.requireRole('reader'),
      schema: {
        summary: 'Collected engine events, newest first',
        security: operatorSecurity,
        querystring: eventListQuery,
        response: { 200: Type.Array(engineEvent), 400: errorRef, 401: errorRef, 403: errorRef },
      },
    },
    async (request) => events.list(request.query),
  );
}
