import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { DISPLAY_TEXT_RULE, FREE_TEXT_RULE } from '../../core/display-text.js';
import { DomainError, invalidFields } from '../../core/errors.js';
import type { ErrorKind, FieldProblem } from '../../core/errors.js';
import { errorSchema } from '../schemas/error.js';
import { patternInWords } from '../schemas/patterns.js';
import type { ErrorBody } from '../schemas/error.js';
import { logCompleted } from './request-log.js';

type SchemaProblem = NonNullable<FastifyError['validation']>[number];

/** Ajv's words, except where they leave out what the caller needs to fix the value. */
function problemOf(v: SchemaProblem): string {
  const params = v.params as { allowedValues?: unknown[]; format?: string; pattern?: string };
  const words = v.keyword === 'pattern' ? patternInWords(params.pattern!) : undefined;
  if (words) return `must be ${words}`;
  if (v.keyword === 'enum') return `must be one of ${params.allowedValues!.join(', ')}`;
  if (v.keyword === 'format' && params.format === 'display-text') {
    return `must hold ${DISPLAY_TEXT_RULE}`;
  }
  if (v.keyword === 'format' && params.format === 'free-text') return `must be ${FREE_TEXT_RULE}`;
  if (v.keyword === 'uniqueItems') return 'must not repeat an item';
  return v.message ?? 'is invalid';
}

function fieldProblems(err: FastifyError): FieldProblem[] {
  const where = err.validationContext ?? 'body';
  return (err.validation ?? []).map((v) => {
    const missing = (v.params as { missingProperty?: string }).missingProperty;
    const extra = (v.params as { additionalProperty?: string }).additionalProperty;
    const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const leaf = missing ?? extra;
    const field = [where, path, leaf].filter(Boolean).join('.');
    return { field, message: extra ? 'is not allowed' : missing ? 'is required' : problemOf(v) };
  });
}

/** The router's limit on one path parameter (app.ts passes it to Fastify); the id schemas cap ids at the same 100. */
export const MAX_PARAM_LENGTH = 100;

/** The one place a domain error's kind becomes an HTTP status. */
const STATUS_OF: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
  not_confirmed: 504,
};

/** RFC 9449 §7.1 and §8: the DPoP challenge of a refused proof or token, and a server nonce to retry with. */
const DPOP_ERRORS = new Set(['invalid_dpop_proof', 'invalid_token', 'use_dpop_nonce']);

/** What some domain errors tell the client in headers: when to retry (429), how to authenticate again (DPoP). */
function errorHeaders(err: DomainError): Record<string, string> {
  const headers: Record<string, string> = {};
  const details = err.details ?? {};
  if (err.kind === 'rate_limited' && typeof details.retry_after_s === 'number') headers['retry-after'] = String(details.retry_after_s);
  if (DPOP_ERRORS.has(err.code)) headers['www-authenticate'] = `DPoP error="${err.code}", algs="EdDSA ES256"`;
  // RFC 6750 §3.1: a request without credentials is told the scheme, with no error code.
  if (err.code === 'DEVICE_AUTH_REQUIRED') headers['www-authenticate'] = 'DPoP algs="EdDSA ES256"';
  if (typeof details.nonce === 'string') headers['dpop-nonce'] = details.nonce;
  return headers;
}

/** Maps every error, including Fastify's own, to the uniform shape; never leaks internals on 5xx. */
export function toErrorBody(err: FastifyError | DomainError): { status: number; body: ErrorBody } {
  if (err instanceof DomainError) {
    return {
      status: STATUS_OF[err.kind],
      body: { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } },
    };
  }
  if (err.validation) return toErrorBody(invalidFields(fieldProblems(err)));
  // A 400 rather than Fastify's 414: an id over 100 characters is the same mistake whether the router
  // or a route's schema catches it, so the caller gets the same answer.
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return toErrorBody(invalidFields([{ field: 'params', message: `must NOT have more than ${MAX_PARAM_LENGTH} characters each` }]));
  }
  if (/^SQLITE_(BUSY|LOCKED)/.test(String(err.code))) {
    return {
      status: 503,
      body: {
        error: {
          code: 'DATABASE_BUSY',
          message: 'another process (borgctl, a migration, a backup) held the database write lock too long; retry in a moment',
        },
      },
    };
  }
  const status = err.statusCode ?? 500;
  if (status >= 500) {
    return { status, body: { error: { code: 'INTERNAL', message: 'internal error; see the server log for this request_id' } } };
  }
  const code = (err.code ?? 'BAD_REQUEST').replace(/^FST_ERR_/, '').replace(/^CTP_/, '');
  return { status, body: { error: { code, message: err.message } } };
}

/** Fastify's own 413 and 415 say only their status line; say what this request did wrong. */
function bodyProblem(status: number, request: FastifyRequest): string | undefined {
  if (status === 413) return `the body is over this route's limit of ${request.routeOptions.bodyLimit ?? 'unknown'} bytes`;
  if (status === 415)
    return `the body must be JSON, sent as content-type: application/json; this one came as ${request.headers['content-type'] ?? 'no content-type'}`;
  return undefined;
}

function sendError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body } = toErrorBody(err);
  body.error.message = bodyProblem(status, request) ?? body.error.message;
  // A domain error is an answer its owner chose, and the owner logs the outage behind a 503 once (not per request).
  if (status >= 500 && !(err instanceof DomainError)) request.log.error({ err }, 'request failed');
  else request.log.info({ code: body.error.code }, body.error.message);
  if (body.error.code === 'DATABASE_BUSY') reply.header('retry-after', '1');
  if (err instanceof DomainError) reply.headers(errorHeaders(err));
  return reply.status(status).send(body);
}

/** Fastify's `frameworkErrors` option: the router failed (bad percent-encoding, over-long parameter) before any route or hook ran. */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  // Neither the request-id plugin's onRequest hook nor the request log's completion runs for these.
  reply.raw.once('finish', () => logCompleted(request, reply));
  void sendError(err, request, reply.header('x-request-id', request.id));
}

const CLIENT_ERRORS: Record<string, [status: number, code: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, 'HEADERS_TOO_LARGE', `request headers exceed ${maxHeaderSize} bytes`],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'REQUEST_TIMEOUT', 'the request did not arrive in time'],
};

/** Fastify's `clientErrorHandler` option: Node's HTTP parser refused the request, so only the socket is left to answer on. */
export function clientErrorHandler(this: FastifyInstance, err: ConnectionError, socket: Socket): void {
  // A reset or closed socket has no one left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] = CLIENT_ERRORS[err.code] ?? [400, 'BAD_REQUEST', 'the request is not valid HTTP/1.1'];
  this.log.info({ code }, message);
  const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
  if (socket.writable) {
    const head = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close`;
    socket.write(`${head}\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

export default fp(
  async (app: FastifyInstance) => {
    app.addSchema(errorSchema);
    app.setErrorHandler(sendError);
    app.setNotFoundHandler((request, reply) => {
      const body: ErrorBody = { error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } };
      return reply.status(404).send(body);
    });
  },
  { name: 'errors' },
);
