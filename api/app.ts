import type { Client } from '@temporalio/client';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Db } from '../lib/db/database.js';
import { version } from '../lib/version.js';
import dbPlugin from './plugins/db.js';
import errorsPlugin from './plugins/errors.js';
import requestIdPlugin, { requestId } from './plugins/request-id.js';
import swaggerPlugin from './plugins/swagger.js';
import temporalPlugin from './plugins/temporal.js';
import healthRoutes from './routes/health.js';

export interface AppDeps {
  db: Db;
  temporal: { client: Client; namespace: string; taskQueue: string };
  log: FastifyBaseLogger;
}

/** The Fastify app with every plugin and route; the caller listens and closes. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log,
    genReqId: requestId,
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: 'array' } },
  });
  await app.register(errorsPlugin);
  await app.register(requestIdPlugin);
  await app.register(swaggerPlugin, { version });
  await app.register(dbPlugin, { db: deps.db });
  await app.register(temporalPlugin, deps.temporal);
  await app.register(healthRoutes, { version });
  return app;
}
