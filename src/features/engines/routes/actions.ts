import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { errorRef } from '../../../http/schemas/error.js';
import { engineSecurity } from '../../../http/schemas/security.js';
import type { Decision } from '../policy/decide.js';
import { engineRefused } from '../policy/engine-auth.js';
import { checkBody, checkReply } from '../schemas.js';

export default async function actionRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { decisions } = app.engineControl;

  app.post(
    '/actions/check',
    {
      onRequest: app.screenEngine,
      // Every check is already recorded in the decision log with its request_id; a second, info-level
      // line per check would double the writes on the hottest route. Warnings and errors still log.
      logLevel: 'warn',
      schema: {
        summary: 'May this engine perform this action on this platform now? Answered from memory; every decision is logged first',
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
        const refusal = err ?? ('refused' in outcome! ? engineRefused(outcome.refused, caller) : undefined);
        // Sent, an error goes to the error handler; the reply's types, taken from the schema, name only the answers.
        if (refusal) reply.send(refusal as never);
        else reply.send(outcome as Decision);
      });
    },
  );
}
