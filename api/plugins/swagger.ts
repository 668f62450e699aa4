import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** OpenAPI 3 generated from the route schemas, served at /docs (UI) and /docs/json. */
export default fp(
  async (app: FastifyInstance, opts: { version: string }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'BorgOS control plane',
          description: 'Devices, engines and operators. Every route but /health authenticates.',
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
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'swagger' },
);
