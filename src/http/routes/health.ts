import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { MetaRepository } from '../../core/db/meta.js';
import { LastKnownCheck } from './last-known.js';
import { healthReplySchema, liveReplySchema } from '../schemas/health.js';
import type { CheckResult, HealthReply } from '../schemas/health.js';

const TEMPORAL_DEADLINE_MS = 2000;
/** Probes commonly give up after 1 s (Kubernetes' default): a Temporal check that takes longer is answered from its last result. */
const ANSWER_WITHIN_MS = 800;
const DID_NOT_ANSWER = (what: string) => `${what} did not answer; the server log has why`;

/**
 * Runs one check. Its failure is told in the server log: /health answers anyone, and a driver's message names
 * internal addresses and paths a stranger has no business reading.
 */
async function timed(
  what: string,
  log: FastifyBaseLogger,
  run: () => Promise<Omit<CheckResult, 'ok' | 'latency_ms'>>,
): Promise<CheckResult> {
  const started = performance.now();
  try {
    const extra = await run();
    return { ok: true, latency_ms: Math.round(performance.now() - started), ...extra };
  } catch (err) {
    log.warn({ err }, `health check: ${what} did not answer`);
    return { ok: false, latency_ms: Math.round(performance.now() - started), error: DID_NOT_ANSWER(what) };
  }
}

export default async function healthRoutes(fastify: FastifyInstance, opts: { version: string }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const meta = new MetaRepository(app.db);
  const { client, namespace } = app.temporal;
  // Logged to the app's log: the check may outlive the request that started it.
  const temporal = new LastKnownCheck(
    () =>
      timed('Temporal', app.log, async () => {
        await client.connection.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, () =>
          client.workflowService.describeNamespace({ namespace }),
        );
        return { namespace };
      }),
    ANSWER_WITHIN_MS,
    () => ({ ok: false, latency_ms: ANSWER_WITHIN_MS, error: DID_NOT_ANSWER('Temporal') }),
  );
  // The client's connection closes after the app: a check it still ran then would fail outside any request.
  app.addHook('onClose', () => temporal.settled());

  const health = async (log: FastifyBaseLogger): Promise<HealthReply> => {
    const [database, temporalCheck] = await Promise.all([
      timed('the database', log, () => Promise.resolve({ schema_version: meta.schemaVersion() })),
      temporal.result(),
    ]);
    const checks = { database, temporal: temporalCheck };
    const failing = Object.entries(checks)
      .filter(([, c]) => !c.ok)
      .map(([name]) => name);
    const ready = failing.length === 0;
    return {
      live: true,
      ready,
      ...(ready ? {} : { failing }),
      version: opts.version,
      instance_id: database.ok ? meta.instanceId() : undefined,
      uptime_s: Math.round(process.uptime()),
      checks,
    };
  };

  for (const [url, summary] of [
    ['/health', 'Liveness and readiness (database, Temporal); with /health/live and /health/ready, the routes without authentication'],
    [
      '/health/ready',
      'Readiness alone, for orchestrators: 200 while database and Temporal answer, 503 otherwise (the body is that of /health)',
    ],
  ] as const) {
    app.get(url, { schema: { summary, response: { 200: healthReplySchema, 503: healthReplySchema } } }, async (request, reply) => {
      const body = await health(request.log);
      return reply.status(body.ready ? 200 : 503).send(body);
    });
  }

  app.get(
    '/health/live',
    {
      schema: {
        summary: 'Liveness alone, for orchestrators: 200 while the process answers; it checks nothing else',
        response: { 200: liveReplySchema },
      },
    },
    async () => ({ live: true, version: opts.version, uptime_s: Math.round(process.uptime()) }),
  );
}
