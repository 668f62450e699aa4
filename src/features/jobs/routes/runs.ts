import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../../http/plugins/auth.js';
import { errorRef } from '../../../http/schemas/error.js';
import { idParams } from '../../../http/schemas/params.js';
import { operatorSecurity } from '../../../http/schemas/security.js';
import { runRecord } from '../schemas.js';

const errors = { 400: errorRef, 401: errorRef, 403: errorRef, 404: errorRef, 409: errorRef, 503: errorRef };

export default async function runRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { runs } = app.jobs;

  app.get(
    '/runs/:id',
    {
      onRequest: app.requireRole('reader'),
      schema: {
        summary: 'One run with every device’s result: status, exit code, output and timing',
        security: operatorSecurity,
        params: idParams,
        response: { 200: runRecord, ...errors },
      },
    },
    async (request) => runs.get(request.params.id),
  );

  app.post(
    '/runs/:id/cancel',
    {
      onRequest: app.requireRole('operator'),
      schema: {
        summary: 'Cancel a run: devices that have not reported end as cancelled; a result that comes later is kept as late',
        security: operatorSecurity,
        params: idParams,
        response: { 202: runRecord, ...errors },
      },
    },
    async (request, reply) => reply.status(202).send(await runs.cancel(actorOf(request), request.params.id)),
  );
}
