import type { FastifyInstance, preValidationHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { Role } from '../../features/operators/api-key-repository.js';
import { invalidFields } from '../../core/errors.js';
import { bodyErrors, errorRef } from '../schemas/error.js';
import { roleRequiredBy } from './auth.js';

/** Methods whose requests Fastify parses a body for, whether or not the route reads one. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

const NO_QUERY = { type: 'object', additionalProperties: false, properties: {} } as const;

const ROLES_ADMITTED: Record<Role, string> = {
  reader: 'Operator keys: any role (reader, operator, admin).',
  operator: 'Operator keys: the operator or admin role.',
  admin: 'Operator keys: the admin role only.',
};

/** What the route's operator hook demands, in the document: `x-required-role` for tools, a sentence for people. */
function roleDocs(onRequest: unknown, description: unknown): { 'x-required-role'?: Role; description?: string } {
  const role = [onRequest ?? []].flat().map(roleRequiredBy).find((r) => r !== undefined);
  if (!role) return {};
  return { 'x-required-role': role, description: [description, ROLES_ADMITTED[role]].filter(Boolean).join('\n\n') };
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
      const response = takesBody ? { ...bodyErrors, 503: errorRef, ...(route.schema.response as object | undefined) } : route.schema.response;
      route.schema = { ...route.schema, querystring, response, ...roleDocs(route.onRequest, route.schema.description) };
      if (takesBody && !route.schema.body) route.preValidation = [...[route.preValidation ?? []].flat(), refuseBody];
    });
  },
  { name: 'route-defaults' },
);
