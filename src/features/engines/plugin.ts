import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { DecisionService } from './policy/decision-service.js';
import { PolicyCache } from './policy/snapshot.js';
import { reconcileFlows } from './reconcile.js';
import { EngineService } from './services/engines.js';
import { EventService } from './services/events.js';
import { FlagService } from './services/flags.js';
import { GrantService } from './services/grants.js';
import { engineLedgers } from './services/ledgers.js';
import { MaintenanceService } from './services/maintenance.js';
import type { PlatformService } from './services/platforms.js';
import { EngineTemporalClient } from './flows/temporal-client.js';

export interface EngineControl {
  engines: EngineService;
  platforms: PlatformService;
  maintenance: MaintenanceService;
  grants: GrantService;
  flags: FlagService;
  events: EventService;
  /** The policy in memory: checks and engine authentication read it. */
  cache: PolicyCache;
  /** Answers /actions/check, each decision journaled first. */
  decisions: DecisionService;
}

declare module 'fastify' {
  interface FastifyInstance {
    engineControl: EngineControl;
  }
}

/** The services behind engine control, built once per process over the shared database. */
export default fp(
  async (app: FastifyInstance) => {
    const { db } = app;
    const temporal = new EngineTemporalClient(app.temporal.client, app.temporal.taskQueue, app.log);
    const ledgers = engineLedgers(db);
    const cache = new PolicyCache(db, app.log);
    const services: EngineControl = {
      engines: new EngineService(ledgers.engines, temporal),
      platforms: ledgers.platforms,
      maintenance: new MaintenanceService(ledgers.windows, temporal),
      grants: new GrantService(ledgers.grants, temporal),
      flags: new FlagService(db, ledgers.changes, ledgers.platforms),
      events: new EventService(db),
      cache,
      decisions: new DecisionService(cache, app.auditLog.journal, app.log),
    };
    app.decorate('engineControl', services);
    // In the background: the API serves meanwhile, and a Temporal that is down only defers this to the next start.
    app.addHook('onReady', async () => {
      reconcileFlows(services, app.log).catch((err: unknown) =>
        app.log.warn({ err }, 'could not check for flows a crash left behind; the next start checks again'),
      );
    });
  },
  { name: 'engine-control', dependencies: ['db', 'temporal', 'audit-log'] },
);
