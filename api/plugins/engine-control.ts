import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ApiKeys } from '../../lib/auth/api-keys.js';
import { EngineControl } from '../../lib/engines/control.js';
import { EngineFlows } from '../../lib/engines/flows.js';
import { reconcileFlows } from '../../lib/engines/reconcile.js';
import { AuditLogRepository } from '../../lib/db/repositories/audit-log.js';
import { JournalIngestThread } from '../../lib/audit/ingest-thread.js';
import { DecisionJournal, journalDir } from '../../lib/audit/journal.js';
import { DecisionService } from '../../lib/policy/decision-service.js';
import { PolicyCache } from '../../lib/policy/snapshot.js';

export interface EngineControlServices {
  control: EngineControl;
  cache: PolicyCache;
  decisions: DecisionService;
  /** Moves journaled decisions into the audit chain; `flush()` before reading the log. */
  journal: JournalIngestThread;
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
    const cache = new PolicyCache(app.db, app.log);
    const ingest = await JournalIngestThread.start(app.db.name, app.log);
    const journal = new DecisionJournal(journalDir(app.db.name));
    // After the server has drained: nothing writes to the journal any more, so the last ingest takes it all.
    app.addHook('onClose', async () => {
      journal.close();
      await ingest.stop([journal.run]);
    });
    const control = new EngineControl(app.db);
    const flows = new EngineFlows(app.temporal.client, app.temporal.taskQueue, app.log);
    app.decorate('engineControl', {
      control,
      cache,
      decisions: new DecisionService(cache, journal, app.log),
      journal: ingest,
      flows,
      apiKeys: new ApiKeys(app.db),
      audit: new AuditLogRepository(app.db),
    });
    // In the background: the API serves meanwhile, and a Temporal that is down only defers this to the next start.
    app.addHook('onReady', async () => {
      reconcileFlows(control, flows, app.log).catch((err: unknown) => app.log.warn({ err }, 'could not check for flows a crash left behind; the next start checks again'));
    });
  },
  { name: 'engine-control', dependencies: ['db', 'temporal'] },
);
