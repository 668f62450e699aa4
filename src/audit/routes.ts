import type { FastifyInstance } from 'fastify';
import { ChainVerifyThread } from './verify-thread.js';
import type { DecisionFilter } from './audit-log.js';
import { utcTime } from '../core/time.js';
import { errorRef } from '../http/schemas/error.js';
import { chainReport, decision, decisionQuery, operatorSecurity, verifyQuery } from '../features/engines/schemas.js';

export default async function auditRoutes(app: FastifyInstance): Promise<void> {
  const { audit, journal } = app.engineControl;
  const reader = app.requireRole('reader');
  const verifier = new ChainVerifyThread(app.db.name);
  // preClose, not onClose: the server waits for requests in flight before onClose, and a walk can take seconds.
  app.addHook('preClose', () => verifier.close());

  app.get<{ Querystring: DecisionFilter }>(
    '/decisions',
    {
      onRequest: reader,
      schema: { summary: 'The decision log, newest first, filtered', tags: ['audit'], security: operatorSecurity, querystring: decisionQuery, response: { 200: { type: 'array', items: decision }, 400: errorRef, 401: errorRef, 403: errorRef } },
    },
    async (request) => {
      const { since, until } = request.query;
      const filter = { ...request.query, since: since && utcTime('querystring.since', since), until: until && utcTime('querystring.until', until) };
      await journal.flush();
      return (await audit.decisions(filter)).map((row) => {
        const details = JSON.parse(row.details) as { message: string; required_scopes: string[] };
        return {
          seq: row.seq,
          decision_id: row.id,
          request_id: row.request_id,
          engine_id: row.engine_id,
          platform: row.platform_id,
          action_type: row.action_type,
          allowed: row.allowed === 1,
          reason: row.reason,
          message: details.message,
          required_scopes: details.required_scopes,
          created_at: row.created_at,
          hash: row.hash,
        };
      });
    },
  );

  app.get<{ Querystring: { head?: string } }>(
    '/audit/verify',
    {
      onRequest: reader,
      schema: {
        summary: 'Recompute the hash chain of the whole audit log and name the first broken link',
        tags: ['audit'],
        security: operatorSecurity,
        querystring: verifyQuery,
        response: { 200: chainReport, 400: errorRef, 401: errorRef, 403: errorRef },
      },
    },
    async (request) => {
      await journal.flush();
      const { head } = request.query;
      const report = await verifier.verify(head);
      return head && report.ok ? { ...report, holds_kept_head: true } : report;
    },
  );
}
