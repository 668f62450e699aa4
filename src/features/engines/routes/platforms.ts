import type { FastifyInstance } from 'fastify';
import { newId } from '../../../core/crypto/secrets.js';
import type { WindowFilter } from '../repositories/maintenance.js';
import type { PlatformStatus } from '../repositories/platforms.js';
import { AppError, invalidFields } from '../../../core/errors.js';
import { startOrUndo } from '../flows.js';
import { workflowIds } from '../workflow-ids.js';
import { utcTime } from '../../../core/time.js';
import { windowInForce } from '../policy/snapshot.js';
import { actorOf } from '../../../http/plugins/auth.js';
import { errorRef } from '../../../http/schemas/error.js';
import { eitherSecurity, idParams, maintenanceBody, maintenanceWindow, operatorSecurity, platform, platformParams, putPlatformBody } from '../schemas.js';
import { cursorNamesNothing, pageQuery } from '../../../http/schemas/page.js';

const errors = { 400: errorRef, 401: errorRef, 403: errorRef, 404: errorRef, 409: errorRef, 503: errorRef };

export default async function platformRoutes(app: FastifyInstance): Promise<void> {
  const { control, flows, cache } = app.engineControl;
  const operator = app.requireRole('operator');

  app.get(
    '/platforms/list',
    {
      onRequest: app.authenticateEngineOrOperator,
      schema: {
        summary: 'Platforms with their status and version: the status checks apply, so maintenance from the first millisecond of a window to its end by the clock, whether or not its flow has run',
        tags: ['platforms'],
        security: eitherSecurity,
        response: { 200: { type: 'array', items: platform }, ...errors },
      },
    },
    async () => {
      const snapshot = cache.current();
      const now = Date.now();
      return [...snapshot.platforms.values()].map((p) => (windowInForce(snapshot, p.id, now) ? { ...p, status: 'maintenance' as const } : p));
    },
  );

  app.put<{ Params: { id: string }; Body: { name: string; status?: PlatformStatus; version: string } }>(
    '/platforms/:id',
    {
      onRequest: operator,
      schema: { summary: 'Create or update a platform', tags: ['platforms'], security: operatorSecurity, params: platformParams, body: putPlatformBody, response: { 200: platform, ...errors } },
    },
    async (request) => control.putPlatform(actorOf(request), { id: request.params.id, ...request.body }),
  );

  app.post<{ Params: { id: string }; Body: { starts_at: string; ends_at: string } }>(
    '/platforms/:id/maintenance',
    {
      onRequest: operator,
      schema: {
        summary: 'Schedule a maintenance window: a durable workflow puts the platform into maintenance at the start and back at the end',
        tags: ['platforms'],
        security: operatorSecurity,
        params: platformParams,
        body: maintenanceBody,
        response: { 201: maintenanceWindow, ...errors },
      },
    },
    async (request, reply) => {
      const starts_at = utcTime('body.starts_at', request.body.starts_at);
      const ends_at = utcTime('body.ends_at', request.body.ends_at);
      if (Date.parse(ends_at) <= Date.parse(starts_at)) {
        throw invalidFields([{ field: 'body.ends_at', message: 'must be after body.starts_at' }]);
      }
      if (Date.parse(ends_at) <= Date.now()) {
        throw invalidFields([{ field: 'body.ends_at', message: 'must be in the future' }]);
      }
      const id = newId('mw');
      const workflow_id = workflowIds.maintenance(request.params.id, id);
      const window = control.createWindow(actorOf(request), { id, platform_id: request.params.id, starts_at, ends_at, workflow_id });
      await startOrUndo(
        () => flows.startMaintenance(workflow_id, request.params.id, id, starts_at, ends_at),
        () => control.transitionWindow({ actor: 'system', requestId: request.id }, id, 'cancelled'),
        'Temporal did not confirm the start of the maintenance workflow; the window was cancelled',
      );
      return reply.status(201).send(window);
    },
  );

  app.get<{ Querystring: WindowFilter }>(
    '/maintenance',
    {
      onRequest: app.requireRole('reader'),
      schema: {
        summary: 'Maintenance windows in order of start, filtered',
        tags: ['platforms'],
        security: operatorSecurity,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { platform: { type: 'string', maxLength: 100 }, status: { type: 'string', enum: ['scheduled', 'active', 'completed', 'cancelled'] }, ...pageQuery },
        },
        response: { 200: { type: 'array', items: maintenanceWindow }, ...errors },
      },
    },
    async (request) => {
      if (request.query.after && !control.windows.get(request.query.after)) throw cursorNamesNothing('after', 'maintenance window', request.query.after);
      return control.windows.list(request.query);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/maintenance/:id/cancel',
    {
      onRequest: operator,
      schema: {
        summary: 'Cancel a window: before its start it is dropped, during it the platform returns to the status it had before the window',
        description: "202: the window's flow applies the cancel. 200: the flow no longer ran (ended or terminated in Temporal), so the window was cancelled here.",
        tags: ['platforms'],
        security: operatorSecurity,
        params: idParams,
        response: { 200: maintenanceWindow, 202: maintenanceWindow, ...errors },
      },
    },
    async (request, reply) => {
      const window = control.windows.get(request.params.id);
      if (!window) throw new AppError(404, 'WINDOW_NOT_FOUND', `no maintenance window ${request.params.id}`);
      if (window.status === 'completed' || window.status === 'cancelled') throw new AppError(409, 'WINDOW_ENDED', `window ${window.id} is already ${window.status}`);
      if (await flows.cancelMaintenance(window.workflow_id)) return reply.status(202).send(window);
      return control.transitionWindow(actorOf(request), window.id, 'cancelled');
    },
  );
}
