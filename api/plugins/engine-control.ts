import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ApiKeys } from '../../lib/auth/api-keys.js';
import { EngineControl } from '../../lib/engines/control.js';
import { EngineFlows } from '../../lib/engines/flows.js';
import { AuditLogRepository } from '../../lib/db/repositories/audit-log.js';
import { PolicyChecker } from '../../lib/policy/check.js';
import { PolicyCache } from '../../lib/policy/snapshot.js';

export interface EngineControlServices {
  control: EngineControl;
  cache: PolicyCache;
  checker: PolicyChecker;
  flows: EngineFlows;
  apiKeys: ApiKeys;
  audit: AuditLogRepository;
}

declare module 'fastify' {
  interface FastifyInstance {
    engineControl: EngineControlServices;
  }
}

/** The services behind engine control, built once per process over the shared database. */
export default fp(
  async (app: FastifyInstance) => {
    const cache = new PolicyCache(app.db);
    app.decorate('engineControl', {
      control: new EngineControl(app.db),
      cache,
      checker: new PolicyChecker(app.db),
      flows: new EngineFlows(app.temporal.client, app.temporal.taskQueue),
      apiKeys: new ApiKeys(app.db),
      audit: new AuditLogRepository(app.db),
    });
  },
  { name: 'engine-control', dependencies: ['db', 'temporal'] },
);
