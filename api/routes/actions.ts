import type { FastifyInstance } from 'fastify';
import type { CheckRequest } from '../../lib/policy/evaluate.js';
import { errorRef } from '../schemas/error.js';
import { checkBody, checkReply, engineSecurity } from '../schemas/engine-control.js';

export default async function actionRoutes(app: FastifyInstance): Promise<void> {
  const { checker } = app.engineControl;

  app.post<{ Body: CheckRequest }>(
    '/actions/check',
    {
      onRequest: app.authenticateEngine,
      schema: {
        summary: 'May this engine perform this action on this platform now? Answered from memory; every decision is logged first',
        tags: ['actions'],
        security: engineSecurity,
        body: checkBody,
        response: { 200: checkReply, 400: errorRef, 401: errorRef },
      },
    },
    async (request) => {
      const d = await checker.check(request.engineId!, request.body, request.id);
      return { allowed: d.allowed, required_scopes: d.required_scopes, reason: d.reason, message: d.message, decision_id: d.decision_id };
    },
  );
}
