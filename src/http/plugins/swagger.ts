import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { AuthHook } from './auth.js';

export interface SwaggerOptions {
  version: string;
  /** Who may read the document: the auth hook guarding /docs. */
  guard: (app: FastifyInstance) => AuthHook;
}

/**
 * OpenAPI 3 generated from the route schemas, served at /docs (UI) and /docs/json to whom the guard admits.
 * Registered after the features, as it describes the credentials of their auth schemes. A browser cannot send
 * a bearer key when it opens a page, so a refusal asks for HTTP Basic: the browser's own login prompt takes
 * the key as password and sends it from then on.
 */
export default fp(
  async (app: FastifyInstance, opts: SwaggerOptions) => {
    await app.register(swagger, {
      // Shared schemas are named by their $id in components, not def-0, def-1 …
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'BorgOS control plane',
          description:
            'Devices, engines and operators. Every route but /health (and its /live and /ready) authenticates, this document included.',
          version: opts.version,
        },
        components: {
          securitySchemes: Object.fromEntries(app.auth.schemes.flatMap((s) => Object.entries(s.securitySchemes))),
        },
      },
    });
    const guard = opts.guard(app);
    // Callback style: the UI plugin's hook option is typed for it.
    const onRequest: onRequestHookHandler = (request, reply, done) => {
      guard(request).then(
        () => done(),
        (err: Error) => {
          reply.header(
            'www-authenticate',
            'Basic realm="BorgOS API docs: any user name, an operator API key as password", charset="UTF-8"',
          );
          done(err);
        },
      );
    };
    await app.register(swaggerUi, { routePrefix: '/docs', uiHooks: { onRequest } });
  },
  { name: 'swagger', dependencies: ['auth'] },
);
