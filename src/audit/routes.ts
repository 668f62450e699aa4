import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ChainVerifyThread } from './verify-thread.js';
import { chainReport, decision, decisionQuery, verifyQuery } from './schemas.js';
import { utcTime } from '../core/time.js';
import { errorRef } from '../http/schemas/error.js';
import { operatorSecurity } from '../http/schemas/security.js';

export default async function auditRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { repository, flush } = app.auditLog;
  const reader = app.requireRole('reader');
  const verifier = new ChainVerifyThread(app.db.name);
  // preClose, not onClose: the server waits for requests in flight before onClose, and a walk can take seconds.
  app.addHook('preClose', () => verifier.close());

  app.get(
    '/decisions',
    {
      onRequest: reader,
      schema: {
        summary: 'The decision log, newest first, filtered',
        security: operatorSecurity,
        querystring: decisionQuery,
        response: { 200: Type.Array(decision), 400: errorRef, 401: errorRef, 403: errorRef },
      },
    },
    async (request) => {
      const { since, until, limit } = request.query;
      // limit is never missing: the schema's default fills it in.
      const filter = {
        ...request.query,
        limit: limit!,
        since: since && utcTime('querystring.since', since),
        until: until && utcTime('querystring.until', until),
      };
      await flush();
      // A decision row always names its engine, platform, action, verdict and reason; only change rows leave them null.
      return (await repository.decisions(filter)).map((row) => {
        const details = JSON.parse(row.details) as { message: string; required_scopes: string[] };
        return {
          seq: row.seq,
          decision_id: row.id,
          request_id: row.request_id,
          engine_id: row.engine_id!,
          platform: row.platform_id!,
          action_type: row.action_type!,
          allowed: row.allowed === 1,
          reason: row.reason!,
          message: details.message,
          required_scopes: details.required_scopes,
          created_at: row.created_at,
          hash: row.hash,
        };
      });
    },
  );

  app.get(
    '/audit/verify',
    {
      onRequest: reader,
      schema: {
        summary: 'Recompute the hash chain of the whole audit log and name the first broken link',
        security: operatorSecurity,
        querystring: verifyQuery,
        response: { 200: chainReport, 400: errorRef, 401: errorRef, 403: errorRef },
      },
    },
    async (request) => {
      await flush();
      const { head } = request.query;
      const report = await verifier.verify(head);
      return head && report.ok ? { ...report, holds_kept_head: true } : report;
    },
  );
}
