import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ErrorBody } from '../schemas/error.js';

/** A matcher of the paths a route's URL pattern (`/engines/:id`, `/docs/*`) covers. */
function pathPattern(url: string): RegExp {
  const source = url
    .split(/(:[A-Za-z0-9_]+|\*)/)
    .map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

/**
 * A path that exists with other methods answers 405 naming them in Allow, in the uniform shape, before any body
 * is read: no route's hooks (authentication first) run for a method it lacks, so nothing may look at the request
 * first. Register it before the routes.
 */
export default fp(
  async (app: FastifyInstance) => {
    const routes: { method: string; path: RegExp }[] = [];
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) routes.push({ method, path: pathPattern(route.url) });
    });
    app.addHook('onRequest', (request, reply, done) => {
      if (!request.is404) return done();
      const path = request.url.split('?')[0]!;
      const allow = [...new Set(routes.filter((r) => r.path.test(path)).map((r) => r.method))];
      if (allow.length === 0) return done();
      const body: ErrorBody = {
        error: { code: 'METHOD_NOT_ALLOWED', message: `${path} takes ${allow.join(', ')}, not ${request.method}` },
      };
      reply.status(405).header('allow', allow.join(', ')).send(body);
    });
  },
  { name: 'method-not-allowed' },
);
