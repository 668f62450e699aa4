import { LogController } from 'fastify';
import { levels } from 'pino';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * One line per request, written when it completes, instead of Fastify's two. Written by the log
 * controller rather than an onResponse hook, so no request pays for a hook. Fastify's other request
 * lines stay off: the error handler logs errors itself.
 */
export class OneLineRequestLog extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'request_id', disableRequestLogging: true });
  }

  override requestCompleted(_error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    logCompleted(request, reply);
  }
}

/** The line; also written by hand for requests the router refuses, which Fastify never reports as completed. */
export function logCompleted(request: FastifyRequest, reply: FastifyReply): void {
  // A route logging at warn (the checks) would drop the line anyway: not built, not timed.
  const { level } = request.log;
  if (level === 'silent' || (levels.values[level] ?? 0) > levels.values.info!) return;
  request.log.info(
    { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
    'request completed',
  );
}
