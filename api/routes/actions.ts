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
      // Every check is already recorded in the decision log with its request_id; a second, info-level
      // line per check would double the writes on the hottest route. Warnings and errors still log.
      logLevel: 'warn',
      schema: {
        summary: 'May this engine perform this action on this platform now? Answered from memory; every decision is logged first',
        tags: ['actions'],
        security: engineSecurity,
        body: checkBody,
        response: { 200: checkReply, 400: errorRef, 401: errorRef },
      },
    },
    async (request) => {
      const d = await checker.check(request.policy!, request.engineId!, request.body, request.id);
      return { allowed: d.allowed, required_scopes: d.required_scopes, reason: d.reason, message: d.message, decision_id: d.decision_id };
    },
  );
}
