import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ApiKeys } from '../operators/api-keys.js';
import { EngineControl } from './control.js';
import { EngineFlows } from './flows.js';
import { reconcileFlows } from './reconcile.js';
import { AuditLogRepository } from '../../audit/audit-log.js';
import { JournalIngestThread } from '../../audit/ingest-thread.js';
import { DecisionJournal, journalDir } from '../../audit/journal.js';
import { DecisionService } from './policy/decision-service.js';
import { PolicyCache } from './policy/snapshot.js';

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
