import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { bodyErrors } from '../schemas/error.js';

/** Methods whose requests Fastify parses a body for, whether or not the route reads one. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

const NO_QUERY = { type: 'object', additionalProperties: false, properties: {} } as const;

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
      const response = takesBody ? { ...bodyErrors, ...(route.schema.response as object | undefined) } : route.schema.response;
      route.schema = { ...route.schema, querystring, response };
    });
  },
  { name: 'route-defaults' },
);
