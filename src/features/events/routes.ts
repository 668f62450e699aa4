import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { errorRef } from '../../http/schemas/error.js';
import { operatorSecurity } from '../../http/schemas/security.js';
import { eventStreamHeaders, eventStreamQuery, eventStreamReply } from './schemas.js';
import { parseTypeFilter } from './type-filter.js';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // nginx would otherwise hold events back to fill its buffer.
  'x-accel-buffering': 'no',
};

/** Operators follow what happens, live: GET /events. */
export default async function eventStreamRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { hub } = app.events;

  app.get(
    '/events',
    {
      onRequest: app.requireRole('reader'),
      schema: {
        summary: 'Follow events live: devices enrolling and coming and going, job runs, schedule changes (Server-Sent Events)',
        description:
          'Events are kept in the database, so a client that reconnects with Last-Event-ID (or ?after=) gets every event it missed, in order, across API restarts and replicas, for BORG_EVENTS_RETENTION_DAYS.',
        security: operatorSecurity,
        querystring: eventStreamQuery,
        headers: eventStreamHeaders,
        response: { 200: eventStreamReply, 400: errorRef, 401: errorRef, 403: errorRef },
      },
    },
    async (request, reply) => {
      const types = parseTypeFilter(request.query.types);
      reply.hijack();
      reply.raw.writeHead(200, { ...SSE_HEADERS, 'x-request-id': request.id });
      hub.open(reply.raw, { types, after: request.headers['last-event-id'] ?? request.query.after });
    },
  );
}
