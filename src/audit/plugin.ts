import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AuditLogRepository } from './audit-log.js';
import { JournalIngestThread } from './ingest-thread.js';
import { DecisionJournal, journalDir } from './journal.js';

export interface AuditLog {
  repository: AuditLogRepository;
  /** Where decisions are written first; a thread moves them into the chain. */
  journal: DecisionJournal;
  /** Resolves once every decision journaled before the call is in the chain: readers of the log call it first. */
  flush: () => Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    auditLog: AuditLog;
  }
}

/** The hash-chained audit log of this process's database, with the decision journal that feeds it. */
export default fp(
  async (app: FastifyInstance) => {
    const ingest = await JournalIngestThread.start(app.db.name, app.log);
    const journal = new DecisionJournal(journalDir(app.db.name));
    // After the server has drained: nothing writes to the journal any more, so the last ingest takes it all.
    app.addHook('onClose', async () => {
      journal.close();
      await ingest.stop([journal.run]);
    });
    app.decorate('auditLog', { repository: new AuditLogRepository(app.db), journal, flush: () => ingest.flush() });
  },
  { name: 'audit-log', dependencies: ['db'] },
);
