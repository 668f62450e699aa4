import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../../http/plugins/auth.js';
import { errorRef } from '../../../http/schemas/error.js';
import { idParams } from '../../../http/schemas/params.js';
import { operatorSecurity } from '../../../http/schemas/security.js';
import { createdInstallCode, createInstallCodeBody, installCodeRecord } from './schemas.js';

const errors = { 400: errorRef, 401: errorRef, 403: errorRef, 404: errorRef };

export default async function installCodeRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { installCodes } = app.devices;
  const operator = app.requireRole('operator');
  const reader = app.requireRole('reader');

  app.post(
    '/install-codes',
    {
      onRequest: operator,
      schema: {
        summary: 'Make an install code for devices to enroll with; the code is returned once',
        description:
          'The code is 28 random Crockford base32 characters (140 bits) in groups of 4. Only its SHA-256 is kept, so it cannot be shown again.',
        security: operatorSecurity,
        body: createInstallCodeBody,
        response: { 201: createdInstallCode, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(installCodes.create(actorOf(request), request.body)),
  );

  app.get(
    '/install-codes',
    {
      onRequest: reader,
      schema: {
        summary: 'Install codes, oldest first, each with its state (never the codes)',
        security: operatorSecurity,
        response: { 200: Type.Array(installCodeRecord), ...errors },
      },
    },
    async () => installCodes.list(),
  );

  app.delete(
    '/install-codes/:id',
    {
      onRequest: operator,
      schema: {
        summary: 'Revoke an install code; devices already enrolled with it are unaffected',
        security: operatorSecurity,
        params: idParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      installCodes.revoke(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
}
