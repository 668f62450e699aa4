import type { Client } from '@temporalio/client';
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Config } from '../core/config/config.js';
import type { Db } from '../core/db/database.js';
import { lazyChildLogger } from '../core/logging/lazy-child.js';
import { version } from '../core/version.js';
import { OneLineRequestLog } from './plugins/request-log.js';
import authPlugin from './plugins/auth.js';
import type { AuthHook } from './plugins/auth.js';
import dbPlugin from './plugins/db.js';
import errorsPlugin, { clientErrorHandler, frameworkErrors, MAX_PARAM_LENGTH } from './plugins/errors.js';
import jsonBodyPlugin from './plugins/json-body.js';
import methodNotAllowedPlugin from './plugins/method-not-allowed.js';
import requestIdPlugin, { requestId } from './plugins/request-id.js';
import routeDefaultsPlugin from './plugins/route-defaults.js';
import swaggerPlugin from './plugins/swagger.js';
import temporalPlugin from './plugins/temporal.js';
import validationPlugin from './plugins/validation.js';
import healthRoutes from './routes/health.js';

export interface AppDeps {
  config: Config;
  db: Db;
  temporal: { client: Client; namespace: string; taskQueue: string };
  log: FastifyBaseLogger;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The settings this process started with; features read their own section. */
    config: Config;
  }
}

/** What the entry point puts into the shell: the shell itself knows no feature. */
export interface AppFeatures {
  /** Services and auth schemes (fastify-plugin), in order, before any route. */
  plugins: FastifyPluginAsync[];
  /** Route plugins, registered after the API document and the route defaults, so each route gets both. */
  routes: FastifyPluginAsync[];
  /** Who may read the API document. */
  docsGuard: (app: FastifyInstance) => AuthHook;
}

/** The Fastify app with the shell's plugins and the given features; the caller listens and closes. */
export async function buildApp(deps: AppDeps, features: AppFeatures): Promise<FastifyInstance> {
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
    // request.ip and request.protocol believe X-Forwarded-* only from these; none unless configured.
    trustProxy: deps.config.api.trustedProxies ?? false,
  });
  app.decorate('config', deps.config);
  await app.register(validationPlugin);
  await app.register(requestIdPlugin);
  await app.register(errorsPlugin);
  await app.register(jsonBodyPlugin);
  // After request-id, whose hook must run first: a 405 carries the request id too.
  await app.register(methodNotAllowedPlugin);
  await app.register(dbPlugin, { db: deps.db });
  await app.register(temporalPlugin, deps.temporal);
  await app.register(authPlugin);
  for (const plugin of features.plugins) await app.register(plugin);
  // Before any route, so every route is in the document and gets the defaults.
  await app.register(swaggerPlugin, { version, guard: features.docsGuard });
  await app.register(routeDefaultsPlugin);
  await app.register(healthRoutes, { version });
  for (const routes of features.routes) await app.register(routes);
  return app;
}
