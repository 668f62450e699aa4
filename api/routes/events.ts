import type { FastifyInstance } from 'fastify';
import { errorRef } from '../schemas/error.js';
import { engineEventBody, engineSecurity, operatorSecurity } from '../schemas/engine-control.js';

const event = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    engine_id: { type: 'string' },
    type: { type: 'string' },
    level: { type: 'string' },
    message: { type: 'string' },
    data: { type: 'object', additionalProperties: true },
    request_id: { type: ['string', 'null'] },
    created_at: { type: 'string' },
  },
} as const;

export default async function eventRoutes(app: FastifyInstance): Promise<void> {
  const { control } = app.engineControl;

  app.post<{ Body: { type: string; level: string; message: string; data: Record<string, unknown> } }>(
    '/log/engine_event',
    {
      onRequest: app.authenticateEngine,
      bodyLimit: 64 * 1024,
      schema: {
        summary: 'An engine submits an event for central collection',
        tags: ['events'],
        security: engineSecurity,
        body: engineEventBody,
        response: { 202: { type: 'object', properties: { event_id: { type: 'string' } } }, 400: errorRef, 401: errorRef, 413: errorRef },
      },
    },
    async (request, reply) => {
      const e = control.logEvent({ engine_id: request.engineId!, ...request.body, request_id: request.id });
      return reply.status(202).send({ event_id: e.id });
    },
  );

  app.get<{ Querystring: { engine_id?: string; limit: number } }>(
    '/log/engine_events',
    {
      onRequest: app.requireRole('reader'),
      schema: {
        summary: 'Collected engine events, newest first',
        tags: ['events'],
        security: operatorSecurity,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { engine_id: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        },
        response: { 200: { type: 'array', items: event }, 401: errorRef, 403: errorRef },
      },
    },
    async (request) => control.events.list(request.query.engine_id, request.query.limit),
  );
}
