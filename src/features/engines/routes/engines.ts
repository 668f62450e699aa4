import type { FastifyInstance } from 'fastify';
import type { Capability, EngineFilter } from '../repositories/engines.js';
import { actorOf } from '../../../http/plugins/auth.js';
import { errorRef } from '../../../http/schemas/error.js';
import { engine, engineSecurity, engineWithKey, idParams, operatorSecurity, registerEngineBody } from '../schemas.js';
import { cursorNamesNothing, pageQuery } from '../../../http/schemas/page.js';

interface RegisterBody {
  name: string;
  description: string;
  capabilities: Capability[];
}

const errors = { 400: errorRef, 401: errorRef, 403: errorRef, 404: errorRef, 409: errorRef };

export default async function engineRoutes(app: FastifyInstance): Promise<void> {
  const { control, flows } = app.engineControl;
  const operator = app.requireRole('operator');
  const reader = app.requireRole('reader');

  app.post<{ Body: RegisterBody }>(
    '/engines/register',
    {
      onRequest: operator,
      schema: { summary: 'Register an engine; its key is returned once', tags: ['engines'], security: operatorSecurity, body: registerEngineBody, response: { 201: engineWithKey, ...errors } },
    },
    async (request, reply) => {
      const { engine: registered, key } = control.registerEngine(actorOf(request), request.body);
      return reply.status(201).send({ engine_id: registered.id, key, engine: registered });
    },
  );

  app.post(
    '/engines/validate',
    {
      onRequest: app.authenticateEngine,
      schema: {
        summary: 'An engine verifies its identity',
        tags: ['engines'],
        security: engineSecurity,
        response: { 200: { type: 'object', properties: { valid: { type: 'boolean' }, engine_id: { type: 'string' }, status: { type: 'string' }, name: { type: 'string' } } }, ...errors },
      },
    },
    async (request) => {
      const e = control.getEngine(request.engineId!);
      return { valid: true, engine_id: e.id, status: e.status, name: e.name };
    },
  );

  app.get<{ Querystring: EngineFilter }>(
    '/engines',
    {
      onRequest: reader,
      schema: {
        summary: 'Engines, oldest first, filtered',
        tags: ['engines'],
        security: operatorSecurity,
        querystring: { type: 'object', additionalProperties: false, properties: { status: { type: 'string', enum: ['active', 'suspended', 'revoked'] }, ...pageQuery } },
        response: { 200: { type: 'array', items: engine }, ...errors },
      },
    },
    async (request) => {
      if (request.query.after && !control.engines.get(request.query.after)) throw cursorNamesNothing('after', 'engine', request.query.after);
      return control.listEngines(request.query);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/engines/:id',
    { onRequest: reader, schema: { summary: 'One engine', tags: ['engines'], security: operatorSecurity, params: idParams, response: { 200: engine, ...errors } } },
    async (request) => control.getEngine(request.params.id),
  );

  app.post<{ Params: { id: string } }>(
    '/engines/:id/rotate-key',
    {
      onRequest: operator,
      schema: { summary: 'Issue a new key; the old one stops working at once', tags: ['engines'], security: operatorSecurity, params: idParams, response: { 200: engineWithKey, ...errors } },
    },
    async (request) => {
      const { engine: e, key } = control.rotateKey(actorOf(request), request.params.id);
      return { engine_id: e.id, key, engine: e };
    },
  );

  for (const [path, status, summary] of [
    ['suspend', 'suspended', 'Suspend: checks are denied until resumed. Suspending a suspended engine changes and records nothing'],
    ['resume', 'active', 'Resume a suspended engine. Resuming an active engine changes and records nothing'],
    ['revoke', 'revoked', 'Revoke for good: the key stops working and all grants end'],
  ] as const) {
    app.post<{ Params: { id: string } }>(
      `/engines/:id/${path}`,
      { onRequest: operator, schema: { summary, tags: ['engines'], security: operatorSecurity, params: idParams, response: { 200: engine, ...errors } } },
      async (request) => {
        const open = status === 'revoked' ? control.openFlowsOf(request.params.id) : [];
        const changed = control.setEngineStatus(actorOf(request), request.params.id, status);
        // Its grants and requests ended with it; their flows need not wait for their own timers.
        flows.closeInBackground(open, request.log);
        return changed;
      },
    );
  }
}
