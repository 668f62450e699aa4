import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../../http/plugins/auth.js';
import { errorRef } from '../../../http/schemas/error.js';
import { operatorSecurity } from '../../../http/schemas/security.js';
import { fingerprintParams, preauthorization, preauthorizeBody } from './schemas.js';

const errors = { 400: errorRef, 401: errorRef, 403: errorRef, 404: errorRef, 409: errorRef };

export default async function preauthorizationRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { preauthorizations } = app.devices;
  const operator = app.requireRole('operator');
  const reader = app.requireRole('reader');

  app.post(
    '/devices/preauthorize',
    {
      onRequest: operator,
      schema: {
        summary: 'Approve a device key before the device asks: its first enrollment is approved at once',
        description: 'Send exactly one of public_key and fingerprint. A key preauthorized already is a 409 PREAUTHORIZATION_EXISTS.',
        security: operatorSecurity,
        body: preauthorizeBody,
        response: { 201: preauthorization, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(preauthorizations.preauthorize(actorOf(request), request.body)),
  );

  app.get(
    '/devices/preauthorizations',
    {
      onRequest: reader,
      schema: {
        summary: 'Preauthorized device keys, used or not, oldest first',
        security: operatorSecurity,
        response: { 200: Type.Array(preauthorization), ...errors },
      },
    },
    async () => preauthorizations.list(),
  );

  app.delete(
    '/devices/preauthorizations/:fingerprint',
    {
      onRequest: operator,
      schema: {
        summary: 'Remove an unused preauthorization',
        description: 'One a device has used stays as a record: removing it is a 409 PREAUTHORIZATION_USED.',
        security: operatorSecurity,
        params: fingerprintParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      preauthorizations.remove(actorOf(request), request.params.fingerprint);
      return reply.status(204).send(null);
    },
  );
}
