import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../../http/plugins/auth.js';
import { errorRef } from '../../../http/schemas/error.js';
import { idParams } from '../../../http/schemas/params.js';
import { eitherSecurity, operatorSecurity } from '../../../http/schemas/security.js';
import { platformsAsChecked } from '../policy/snapshot.js';
import { maintenanceBody, maintenanceWindow, platform, platformParams, putPlatformBody, windowListQuery } from '../schemas.js';

const errors = { 400: errorRef, 401: errorRef, 403: errorRef, 404: errorRef, 409: errorRef, 503: errorRef };

export default async function platformRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { platforms, maintenance, cache } = app.engineControl;
  const operator = app.requireRole('operator');

  app.get(
    '/platforms/list',
    {
      onRequest: app.authenticateEngineOrOperator,
      schema: {
        summary:
          'Platforms with their status and version: the status checks apply, so maintenance from the first millisecond of a window to its end by the clock, whether or not its flow has run',
        security: eitherSecurity,
        response: { 200: Type.Array(platform), ...errors },
      },
    },
    async () => platformsAsChecked(cache.current(), Date.now()),
  );

  app.put(
    '/platforms/:id',
    {
      onRequest: operator,
      schema: {
        summary: 'Create or update a platform',
        security: operatorSecurity,
        params: platformParams,
        body: putPlatformBody,
        response: { 200: platform, ...errors },
      },
    },
    async (request) => platforms.put(actorOf(request), request.params.id, request.body),
  );

  app.post(
    '/platforms/:id/maintenance',
    {
      onRequest: operator,
      schema: {
        summary: 'Schedule a maintenance window: a durable workflow puts the platform into maintenance at the start and back at the end',
        security: operatorSecurity,
        params: platformParams,
        body: maintenanceBody,
        response: { 201: maintenanceWindow, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await maintenance.schedule(actorOf(request), request.params.id, request.body)),
  );

  app.get(
    '/maintenance',
    {
      onRequest: app.requireRole('reader'),
      schema: {
        summary: 'Maintenance windows in order of start, filtered',
        security: operatorSecurity,
        querystring: windowListQuery,
        response: { 200: Type.Array(maintenanceWindow), ...errors },
      },
    },
    async (request) => maintenance.list(request.query),
  );

  app.post(
    '/maintenance/:id/cancel',
    {
      onRequest: operator,
      schema: {
        summary: 'Cancel a window: before its start it is dropped, during it the platform returns to the status it had before the window',
        description:
          "202: the window's flow applies the cancel. 200: the flow no longer ran (ended or terminated in Temporal), so the window was cancelled here.",
        security: operatorSecurity,
        params: idParams,
        response: { 200: maintenanceWindow, 202: maintenanceWindow, ...errors },
      },
    },
    async (request, reply) => {
      const { window, by } = await maintenance.cancel(actorOf(request), request.params.id);
      return reply.status(by === 'flow' ? 202 : 200).send(window);
    },
  );
}
