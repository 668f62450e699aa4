import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../../lib/errors.js';
import { errorSchema } from '../schemas/error.js';
import type { ErrorBody } from '../schemas/error.js';

interface FieldProblem {
  field: string;
  message: string;
}

function fieldProblems(err: FastifyError): FieldProblem[] {
  const where = err.validationContext ?? 'body';
  return (err.validation ?? []).map((v) => {
    const missing = (v.params as { missingProperty?: string }).missingProperty;
    const extra = (v.params as { additionalProperty?: string }).additionalProperty;
    const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const leaf = missing ?? extra;
    const field = [where, path, leaf].filter(Boolean).join('.');
    return { field, message: extra ? 'is not allowed' : (v.message ?? 'is invalid') };
  });
}

/** Maps every error, including Fastify's own, to the uniform shape; never leaks internals on 5xx. */
export function toErrorBody(err: FastifyError | AppError): { status: number; body: ErrorBody } {
  if (err instanceof AppError) {
    return { status: err.statusCode, body: { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } } };
  }
  if (err.validation) {
    const fields = fieldProblems(err);
    const message = fields.map((f) => `${f.field} ${f.message}`).join('; ');
    return { status: 400, body: { error: { code: 'VALIDATION_FAILED', message, details: { fields } } } };
  }
  const status = err.statusCode ?? 500;
  if (status >= 500) {
    return { status, body: { error: { code: 'INTERNAL', message: 'internal error; see the server log for this request_id' } } };
  }
  const code = (err.code ?? 'BAD_REQUEST').replace(/^FST_ERR_/, '').replace(/^CTP_/, '');
  return { status, body: { error: { code, message: err.message } } };
}

export default fp(
  async (app: FastifyInstance) => {
    app.addSchema(errorSchema);
    app.setErrorHandler((err: FastifyError, request, reply) => {
      const { status, body } = toErrorBody(err);
      if (status >= 500) request.log.error({ err }, 'request failed');
      else request.log.info({ code: body.error.code }, body.error.message);
      return reply.status(status).send(body);
    });
    app.setNotFoundHandler((request, reply) => {
      const body: ErrorBody = { error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } };
      return reply.status(404).send(body);
    });
  },
  { name: 'errors' },
);
