import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';

/**
 * OpenAPI 3 generated from the route schemas, served at /docs (UI) and /docs/json to operators
 * (any role). A browser cannot send a bearer key when it opens a page, so a refusal asks for HTTP
 * Basic: the browser's own login prompt takes the key as password and sends it from then on.
 */
export default fp(
  async (app: FastifyInstance, opts: { version: string }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'BorgOS control plane',
          description: 'Devices, engines and operators. Every route but /health authenticates, this document included.',
          version: opts.version,
        },
        components: {
          securitySchemes: {
            engineId: { type: 'apiKey', in: 'header', name: 'X-Engine-ID' },
            engineKey: { type: 'apiKey', in: 'header', name: 'X-Engine-Key' },
            operatorKey: { type: 'http', scheme: 'bearer', description: 'Operator API key (also accepted as X-API-Key)' },
          },
        },
      },
    });
    const reader = app.requireRole('reader');
    // Callback style: the UI plugin's hook option is typed for it.
    const onRequest: onRequestHookHandler = (request, reply, done) => {
      reader(request).then(
        () => done(),
        (err: Error) => {
          reply.header('www-authenticate', 'Basic realm="BorgOS API docs: any user name, an operator API key as password", charset="UTF-8"');
          done(err);
        },
      );
    };
    await app.register(swaggerUi, { routePrefix: '/docs', uiHooks: { onRequest } });
  },
  { name: 'swagger', dependencies: ['auth'] },
);
