import type { AppFeatures } from '../http/app.js';
import auditLogPlugin from '../audit/plugin.js';
import auditRoutes from '../audit/routes.js';
import engineAuthPlugin from '../features/engines/auth.js';
import engineControlPlugin from '../features/engines/plugin.js';
import actionRoutes from '../features/engines/routes/actions.js';
import configRoutes from '../features/engines/routes/config.js';
import engineRoutes from '../features/engines/routes/engines.js';
import eventRoutes from '../features/engines/routes/events.js';
import grantRoutes from '../features/engines/routes/grants.js';
import platformRoutes from '../features/engines/routes/platforms.js';
import agentRoutes from '../features/devices/agent/routes.js';
import enrollmentRoutes from '../features/devices/enrollment/routes.js';
import installCodeRoutes from '../features/devices/install-codes/routes.js';
import devicesPlugin from '../features/devices/plugin.js';
import eventsPlugin from '../features/events/plugin.js';
import eventStreamRoutes from '../features/events/routes.js';
import preauthorizationRoutes from '../features/devices/preauthorizations/routes.js';
import deviceRoutes from '../features/devices/registry/routes.js';
import jobsPlugin from '../features/jobs/plugin.js';
import agentJobRoutes from '../features/jobs/routes/agent.js';
import jobRoutes from '../features/jobs/routes/jobs.js';
import runRoutes from '../features/jobs/routes/runs.js';
import operatorsPlugin from '../features/operators/plugin.js';
import apiKeyRoutes from '../features/operators/routes.js';
import jobsBridge from './jobs-bridge.js';

/** Every feature of the API, in the order the shell registers them (http/app.ts); api.ts, start.ts and the tests serve this. */
export const apiFeatures: AppFeatures = {
  // The engine scheme first: the document lists the credentials in the order their schemes register.
  plugins: [auditLogPlugin, engineControlPlugin, engineAuthPlugin, operatorsPlugin, devicesPlugin, eventsPlugin, jobsBridge, jobsPlugin],
  routes: [
    engineRoutes,
    actionRoutes,
    platformRoutes,
    grantRoutes,
    configRoutes,
    eventRoutes,
    auditRoutes,
    apiKeyRoutes,
    installCodeRoutes,
    preauthorizationRoutes,
    enrollmentRoutes,
    deviceRoutes,
    agentRoutes,
    jobRoutes,
    runRoutes,
    agentJobRoutes,
    eventStreamRoutes,
  ],
  docsGuard: (app) => app.requireRole('reader'),
};
