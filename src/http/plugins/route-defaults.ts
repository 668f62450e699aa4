import type { FastifyInstance, preValidationHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { invalidFields } from '../../core/errors.js';
import { bodyErrors, errorRef } from '../schemas/error.js';
import { hookDoc } from './auth.js';

/** Methods whose requests Fastify parses a body for, whether or not the route reads one. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

const NO_QUERY = { type: 'object', additionalProperties: false, properties: {} } as const;

/** Who a route without an auth hook answers: anyone (only /health). */
const PUBLIC = 'public';

/**
 * What the route's auth hook admits, in the document: the audiences as its tags (one place for every route), and
 * what the hook adds for tools (`x-required-role`) and for people (a sentence after the description).
 */
function authDocs(onRequest: unknown, description: unknown): { tags: string[]; description?: string } {
  const doc = hookDoc(onRequest);
  if (!doc) return { tags: [PUBLIC] };
  const text = [description, doc.note].filter(Boolean).join('\n\n');
  return { tags: doc.audiences, ...doc.extensions, ...(text ? { description: text } : {}) };
}

/**
 * For a route that reads no body: one sent anyway would be dropped without a word (`{"reason": "…"}` on a revoke,
 * say), so it is refused like an unknown field. Nothing, null and `{}` pass: many clients send them on any POST.
 */
const refuseBody: preValidationHookHandler = (request, _reply, done) => {
  const body: unknown = request.body;
  if (body === undefined || body === null) return done();
  const keys = typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : null;
  if (keys?.length === 0) return done();
  const fields = (keys ?? ['']).map((key) => ({ field: key ? `body.${key}` : 'body', message: 'is not allowed' }));
  done(invalidFields(fields, 'this route takes no body'));
};

/** What every documented route gets without saying so; register it before the routes. */
export default fp(
  async (app: FastifyInstance) => {
    app.addHook('onRoute', (route) => {
      if (!route.schema || route.schema.hide) return;
      // A route that reads no query string refuses one, as the filtered lists refuse a filter they lack:
      // `GET /engines?status=active` must not quietly answer with every engine.
      const querystring = route.schema.querystring ?? NO_QUERY;
      // A body is parsed before any handler runs, so a route that reads none still answers 413 or 415 to one
      // that is too large or not JSON: documented on every route such a request can reach.
      const takesBody = [route.method].flat().some((m) => BODY_METHODS.has(m));
      // Such a route may also write, and find the database locked by another process for too long: 503.
      const response = takesBody
        ? { ...bodyErrors, 503: errorRef, ...(route.schema.response as object | undefined) }
        : route.schema.response;
      route.schema = { ...route.schema, querystring, response, ...authDocs(route.onRequest, route.schema.description) };
      if (takesBody && !route.schema.body) route.preValidation = [...[route.preValidation ?? []].flat(), refuseBody];
    });
  },
  { name: 'route-defaults' },
);
