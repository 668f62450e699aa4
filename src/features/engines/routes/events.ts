import type { FastifyInstance } from 'fastify';
import { invalidFields } from '../../../core/errors.js';
import type { FieldProblem } from '../../../core/errors.js';
import { errorRef } from '../../../http/schemas/error.js';
import { engineEventBody, engineSecurity, operatorSecurity } from '../schemas.js';
import { cursorNamesNothing } from '../../../http/schemas/page.js';

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
const NOT_FINITE = `must be a finite number: beyond ±${Number.MAX_VALUE} a JSON number reads as infinite, which cannot be stored`;

interface Node {
  value: unknown;
  /** data itself is level 1. */
  depth: number;
  key?: string;
  parent?: Node;
}

/** Built only for the one value refused: building every value's path costs the key lengths times the values below them. */
function pathOf(node: Node): string {
  const keys: string[] = [];
  for (let n: Node | undefined = node; n?.key !== undefined; n = n.parent) keys.push(n.key);
  return ['body.data', ...keys.reverse()].join('.');
}

/** The first value in `data`, in document order, that would not be stored as sent; walked without recursion, so it cannot overflow. */
function dataProblem(data: unknown): FieldProblem | undefined {
  const pending: Node[] = [{ value: data, depth: 1 }];
  for (let node = pending.pop(); node; node = pending.pop()) {
    const { value, depth } = node;
    // JSON.parse reads 1e400 as Infinity, and JSON.stringify writes that as null.
    if (typeof value === 'number' && !Number.isFinite(value)) return { field: pathOf(node), message: NOT_FINITE };
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_DATA_DEPTH) return { field: 'body.data', message: `must not nest objects and arrays more than ${MAX_DATA_DEPTH} levels deep` };
    const entries = Object.entries(value);
    for (let i = entries.length - 1; i >= 0; i--) pending.push({ value: entries[i]![1], depth: depth + 1, key: entries[i]![0], parent: node });
  }
  return undefined;
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
        description: `data may nest objects and arrays at most ${MAX_DATA_DEPTH} levels deep, data itself being the first, and its numbers must be finite (1e400 is refused, not stored as null).`,
        tags: ['events'],
        security: engineSecurity,
        body: engineEventBody,
        response: { 202: { type: 'object', properties: { event_id: { type: 'string' } } }, 400: errorRef, 401: errorRef },
      },
    },
    async (request, reply) => {
      const problem = dataProblem(request.body.data);
      if (problem) throw invalidFields([problem]);
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
