import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../../http/plugins/auth.js';
import { errorRef } from '../../../http/schemas/error.js';
import { operatorSecurity } from '../../../http/schemas/security.js';
import { deviceTags, enrollmentStatus, enrollmentView, fingerprint, hostname, reason } from '../shared/schemas.js';

const referenceParams = Type.Object({ reference: Type.String({ minLength: 1, maxLength: 100 }) });
const listQuery = Type.Object(
  {
    status: Type.Optional(enrollmentStatus),
    fingerprint: Type.Optional(fingerprint),
    before: Type.Optional(Type.String({ maxLength: 100, description: 'Next page: only what is older than this reference' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
const approveBody = Type.Object(
  { hostname: Type.Optional(hostname), tags: Type.Optional(deviceTags) },
  { additionalProperties: false, description: 'Overrides of what the device asked for' },
);
const denyBody = Type.Object({ reason }, { additionalProperties: false });

const errors = { 400: errorRef, 401: errorRef, 403: errorRef, 404: errorRef, 409: errorRef, 503: errorRef, 504: errorRef };

/** Operators see devices' enrollments and decide the pending ones. */
export default async function enrollmentRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { enrollments } = app.devices;
  const reader = app.requireRole('reader');
  const operator = app.requireRole('operator');

  app.get(
    '/enrollments',
    {
      onRequest: reader,
      schema: {
        summary: 'Enrollments, newest first, filtered (status=pending: what waits for a decision)',
        security: operatorSecurity,
        querystring: listQuery,
        response: { 200: Type.Array(enrollmentView), ...errors },
      },
    },
    async (request) => enrollments.list(request.query),
  );

  app.get(
    '/enrollments/:reference',
    {
      onRequest: reader,
      schema: {
        summary: 'One enrollment',
        security: operatorSecurity,
        params: referenceParams,
        response: { 200: enrollmentView, ...errors },
      },
    },
    async (request) => enrollments.get(request.params.reference),
  );

  app.post(
    '/enrollments/:reference/approve',
    {
      onRequest: operator,
      schema: {
        summary: 'Approve a pending enrollment, optionally with another hostname or tags; answered once its flow has applied it',
        description:
          'A hostname another device holds is refused with 409 hostname_in_use, and the enrollment stays pending: approve with a hostname override, or purge that device first.',
        security: operatorSecurity,
        params: referenceParams,
        body: approveBody,
        response: { 200: enrollmentView, ...errors },
      },
    },
    async (request) => enrollments.decide(actorOf(request), request.params.reference, { approved: true, ...request.body }),
  );

  app.post(
    '/enrollments/:reference/deny',
    {
      onRequest: operator,
      schema: {
        summary: 'Deny a pending enrollment; the device is told the reason at its next poll',
        security: operatorSecurity,
        params: referenceParams,
        body: denyBody,
        response: { 200: enrollmentView, ...errors },
      },
    },
    async (request) => enrollments.decide(actorOf(request), request.params.reference, { approved: false, reason: request.body.reason }),
  );
}
