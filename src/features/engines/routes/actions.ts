import type { FastifyInstance } from 'fastify';
import type { CheckRequest } from '../policy/evaluate.js';
import { engineRefused } from '../../../http/plugins/auth.js';
import { errorRef } from '../../../http/schemas/error.js';
import { checkBody, checkReply, engineSecurity } from '../schemas.js';

export default async function actionRoutes(app: FastifyInstance): Promise<void> {
  const { decisions } = app.engineControl;

  app.post<{ Body: CheckRequest }>(
    '/actions/check',
    {
      onRequest: app.screenEngine,
      // Every check is already recorded in the decision log with its request_id; a second, info-level
      // line per check would double the writes on the hottest route. Warnings and errors still log.
      logLevel: 'warn',
      schema: {
        summary: 'May this engine perform this action on this platform now? Answered from memory; every decision is logged first',
        tags: ['actions'],
        security: engineSecurity,
        body: checkBody,
        response: { 200: checkReply, 400: errorRef, 401: errorRef, 503: errorRef },
      },
    },
    // Not async, and returning nothing: the reply is sent from the decision's callback, and Fastify neither
    // makes a promise of it nor (as it does for a returned reply) watches the response for its end.
    (request, reply): void => {
      const caller = request.engineId!;
      decisions.decide({ caller, key_digest: request.engineKeyDigest!, request_id: request.id, check: request.body }, (err, outcome) => {
        if (err) reply.send(err);
        else reply.send('refused' in outcome! ? engineRefused(outcome.refused, caller) : outcome);
      });
    },
  );
}
