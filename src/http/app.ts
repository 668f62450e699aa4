import type { Client } from '@temporalio/client';
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Db } from '../core/db/database.js';
import { lazyChildLogger } from '../core/logging/lazy-child.js';
import { version } from '../core/version.js';
import { OneLineRequestLog } from './request-log.js';
import dbPlugin from './plugins/db.js';
import errorsPlugin, { clientErrorHandler, frameworkErrors, MAX_PARAM_LENGTH } from './plugins/errors.js';
import requestIdPlugin, { requestId } from './plugins/request-id.js';
import routeDefaultsPlugin from './plugins/route-defaults.js';
import swaggerPlugin from './plugins/swagger.js';
import temporalPlugin from './plugins/temporal.js';
import validationPlugin from './plugins/validation.js';
import authPlugin from './plugins/auth.js';
import engineControlPlugin from '../features/engines/plugin.js';
import actionRoutes from '../features/engines/routes/actions.js';
import apiKeyRoutes from '../features/operators/routes.js';
import auditRoutes from '../audit/routes.js';
import configRoutes from '../features/engines/routes/config.js';
import engineRoutes from '../features/engines/routes/engines.js';
import eventRoutes from '../features/engines/routes/events.js';
import grantRoutes from '../features/engines/routes/grants.js';
import healthRoutes from './routes/health.js';
import platformRoutes from '../features/engines/routes/platforms.js';

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
    childLoggerFactory: lazyChildLogger,
    logController: new OneLineRequestLog(),
    // Errors Fastify and Node answer outside the error handler, answered in the same uniform shape.
    frameworkErrors,
    clientErrorHandler,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // The request-id plugin answers requests that arrive while the server closes, in the uniform shape.
    return503OnClosing: false,
  });
  await app.register(validationPlugin);
  await app.register(errorsPlugin);
  await app.register(requestIdPlugin);
  await app.register(dbPlugin, { db: deps.db });
  await app.register(temporalPlugin, deps.temporal);
  await app.register(engineControlPlugin);
  await app.register(authPlugin);
  // Before any route, so every route is in the document and gets the defaults.
  await app.register(swaggerPlugin, { version });
  await app.register(routeDefaultsPlugin);
  await app.register(healthRoutes, { version });
  for (const routes of [engineRoutes, actionRoutes, platformRoutes, grantRoutes, configRoutes, eventRoutes, auditRoutes, apiKeyRoutes]) {
    await app.register(routes);
  }
  return app;
}
