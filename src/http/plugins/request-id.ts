import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import fp from 'fastify-plugin';
import type { ErrorBody } from '../schemas/error.js';

const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Honours a caller's X-Request-ID when it is sane, so logs can be joined across systems. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && ACCEPTABLE.test(given) ? given : randomUUID();
}

// Sent as text: a route's own schema for 503 (the health reply's) would fail to serialize it.
const SHUTTING_DOWN = JSON.stringify({
  error: {
    code: 'SHUTTING_DOWN',
    message: 'the server is shutting down and takes no new requests; send it again once it is back, or to another replica',
  },
} satisfies ErrorBody);

// Callback style: it runs on every request, and an async hook costs a promise and a microtask turn.
export default fp(
  async (app: FastifyInstance) => {
    // Set in preClose, which Fastify runs once it has stopped routing as usual and before the server stops listening.
    let closing = false;
    app.addHook('preClose', (done) => {
      closing = true;
      done();
    });
    app.addHook('onRequest', (request, reply, done) => {
      reply.header('x-request-id', request.id);
      // A request on a kept-alive connection still arrives while the server drains; app.ts turns Fastify's own
      // 503 off, as it has neither the uniform shape nor this header. Fastify has already set connection: close.
      if (closing) {
        reply.status(503).type('application/json; charset=utf-8').send(SHUTTING_DOWN);
        return;
      }
      done();
    });
  },
  { name: 'request-id' },
);
