import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../../http/plugins/auth.js';
import { errorRef } from '../../../http/schemas/error.js';
import { pageQuery } from '../../../http/schemas/page.js';
import { idParams } from '../../../http/schemas/params.js';
import { operatorSecurity } from '../../../http/schemas/security.js';
import { deviceStatus, deviceView, reason, tag } from '../shared/schemas.js';

const listQuery = Type.Object(
  {
    status: Type.Optional(deviceStatus),
    tag: Type.Optional(tag),
    profile: Type.Optional(Type.String({ maxLength: 64 })),
    online: Type.Optional(Type.Boolean({ description: 'true: heartbeats arrive; false: missed or none yet' })),
    ...pageQuery,
  },
  { additionalProperties: false },
);
const reasonBody = Type.Object({ reason: Type.Optional(reason) }, { additionalProperties: false });

const errors = { 400: errorRef, 401: errorRef, 403: errorRef, 404: errorRef, 409: errorRef };

/** Operators list devices, and quarantine, unquarantine, revoke or purge them. */
export default async function deviceRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { registry } = app.devices;
  const reader = app.requireRole('reader');
  const operator = app.requireRole('operator');
  const admin = app.requireRole('admin');

  app.get(
    '/devices',
    {
      onRequest: reader,
      schema: {
        summary: 'Devices in the order they enrolled, filtered',
        security: operatorSecurity,
        querystring: listQuery,
        response: { 200: Type.Array(deviceView), ...errors },
      },
    },
    async (request) => registry.list(request.query),
  );

  app.get(
    '/devices/:id',
    {
      onRequest: reader,
      schema: { summary: 'One device', security: operatorSecurity, params: idParams, response: { 200: deviceView, ...errors } },
    },
    async (request) => registry.get(request.params.id),
  );

  app.post(
    '/devices/:id/quarantine',
    {
      onRequest: operator,
      schema: {
        summary: 'Quarantine a device: every token it holds is refused at its next call, and it gets no new ones until unquarantined',
        security: operatorSecurity,
        params: idParams,
        body: reasonBody,
        response: { 200: deviceView, ...errors },
      },
    },
    async (request) => registry.quarantine(actorOf(request), request.params.id, request.body?.reason),
  );

  app.post(
    '/devices/:id/unquarantine',
    {
      onRequest: operator,
      schema: {
        summary: 'Lift a quarantine: the device refreshes with the refresh token it holds; tokens from before stay dead',
        security: operatorSecurity,
        params: idParams,
        response: { 200: deviceView, ...errors },
      },
    },
    async (request) => registry.unquarantine(actorOf(request), request.params.id),
  );

  app.post(
    '/devices/:id/revoke',
    {
      onRequest: operator,
      schema: {
        summary: 'Revoke a device for good: every token and refresh token dies, and its key cannot enroll again until it is purged',
        security: operatorSecurity,
        params: idParams,
        body: reasonBody,
        response: { 200: deviceView, ...errors },
      },
    },
    async (request) => registry.revoke(actorOf(request), request.params.id, request.body?.reason),
  );

  app.delete(
    '/devices/:id',
    {
      onRequest: admin,
      schema: {
        summary: 'Purge a device and all its credentials; it comes back only by enrolling again',
        security: operatorSecurity,
        params: idParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      registry.purge(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
}
