import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { MetaRepository } from '../../core/db/meta.js';
import { healthReplySchema } from '../schemas/health.js';
import type { CheckResult } from '../schemas/health.js';

const TEMPORAL_DEADLINE_MS = 2000;

/**
 * Runs one check. Its failure is told in the server log: /health answers anyone, and a driver's message names
 * internal addresses and paths a stranger has no business reading.
 */
async function timed(what: string, log: FastifyBaseLogger, run: () => Promise<Omit<CheckResult, 'ok' | 'latency_ms'>>): Promise<CheckResult> {
  const started = performance.now();
  try {
    const extra = await run();
    return { ok: true, latency_ms: Math.round(performance.now() - started), ...extra };
  } catch (err) {
    log.warn({ err }, `health check: ${what} did not answer`);
    return { ok: false, latency_ms: Math.round(performance.now() - started), error: `${what} did not answer; the server log has why` };
  }
}

export default async function healthRoutes(app: FastifyInstance, opts: { version: string }): Promise<void> {
  const meta = new MetaRepository(app.db);
  const { client, namespace } = app.temporal;

  app.get(
    '/health',
    {
      schema: {
        summary: 'Liveness and readiness (database, Temporal); the one route without authentication',
        tags: ['health'],
        response: { 200: healthReplySchema, 503: healthReplySchema },
      },
    },
    async (request, reply) => {
      const [database, temporal] = await Promise.all([
        timed('the database', request.log, () => Promise.resolve({ schema_version: meta.schemaVersion() })),
        timed('Temporal', request.log, async () => {
          await client.connection.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, () =>
            client.workflowService.describeNamespace({ namespace }),
          );
          return { namespace };
        }),
      ]);
      const failing = Object.entries({ database, temporal }).filter(([, c]) => !c.ok).map(([name]) => name);
      const ready = failing.length === 0;
      return reply.status(ready ? 200 : 503).send({
        live: true,
        ready,
        ...(ready ? {} : { failing }),
        version: opts.version,
        instance_id: database.ok ? meta.instanceId() : undefined,
        uptime_s: Math.round(process.uptime()),
        checks: { database, temporal },
      });
    },
  );
}
