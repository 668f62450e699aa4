import type { FastifyInstance } from 'fastify';
import { invalidFields } from '../../lib/errors.js';
import { errorRef } from '../schemas/error.js';
import { engineEventBody, engineSecurity, operatorSecurity } from '../schemas/engine-control.js';
import { cursorNamesNothing } from '../schemas/page.js';

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

// Storing data runs JSON.stringify, which recurses: data nested thousands deep overflowed the stack (a 500).
const MAX_DATA_DEPTH = 100;

/** Whether objects and arrays in `value` (itself level 1) nest deeper than `max`; walked without recursion, so it cannot overflow. */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [v, depth] = next;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(v)) pending.push([child, depth + 1]);
  }
  return false;
}

export default async function eventRoutes(app: FastifyInstance): Promise<void> {
  const { control } = app.engineControl;

  app.post<{ Body: { type: string; level: string; message: string; data: Record<string, unknown> } }>(
    '/log/engine_event',
    {
      onRequest: app.authenticateEngine,
      bodyLimit: 64 * 1024,
      schema: {
        summary: 'An engine submits an event for central collection',
        description: `data may nest objects and arrays at most ${MAX_DATA_DEPTH} levels deep, data itself being the first.`,
        tags: ['events'],
        security: engineSecurity,
        body: engineEventBody,
        response: { 202: { type: 'object', properties: { event_id: { type: 'string' } } }, 400: errorRef, 401: errorRef },
      },
    },
    async (request, reply) => {
      if (nestsDeeperThan(request.body.data, MAX_DATA_DEPTH)) {
        throw invalidFields([{ field: 'body.data', message: `must not nest objects and arrays more than ${MAX_DATA_DEPTH} levels deep` }]);
      }
      const e = control.logEvent({ engine_id: request.engineId!, ...request.body, request_id: request.id });
      return reply.status(202).send({ event_id: e.id });
    },
  );

  app.get<{ Querystring: { engine_id?: string; before?: string; limit: number } }>(
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
          properties: {
            engine_id: { type: 'string' },
            before: { type: 'string', maxLength: 100, description: 'Page backwards: only events older than this event id (the last one of the previous page)' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: { 200: { type: 'array', items: event }, 400: errorRef, 401: errorRef, 403: errorRef },
      },
    },
    async (request) => {
      const { before, limit } = request.query;
      // An empty cursor is no cursor, as an empty `after` is on the other lists.
      if (before && !control.events.has(before)) {
        throw cursorNamesNothing('before', 'event', before);
      }
      return control.events.list(request.query, limit);
    },
  );
}
