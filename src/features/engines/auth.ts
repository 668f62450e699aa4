import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { digestSecret } from '../../core/crypto/secrets.js';
import { DomainError } from '../../core/errors.js';
import { header } from '../../http/plugins/auth.js';
import type { AuthHook } from '../../http/plugins/auth.js';
import { engineRefused, verifyEngine } from './policy/engine-auth.js';
import type { EngineAuthFailure } from './policy/engine-auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    engineId: string | undefined;
    /** SHA-256 of the presented engine key, for a later confirmation against the current policy. */
    engineKeyDigest: Buffer | undefined;
  }
  interface FastifyInstance {
    /** onRequest: the caller is a registered, non-revoked engine presenting its current key. */
    authenticateEngine: AuthHook;
    /**
     * onRequest for /actions/check: screens against the policy in memory without a database read.
     * A key that stopped being valid may pass the screen; the check confirms it when it decides.
     */
    screenEngine: onRequestHookHandler;
    /** onRequest: an engine or an operator (any role). */
    authenticateEngineOrOperator: AuthHook;
  }
}

function credentials(request: FastifyRequest): { id: string; keyDigest: Buffer } {
  const id = header(request, 'x-engine-id');
  const key = header(request, 'x-engine-key');
  if (!id || !key) throw new DomainError('unauthenticated', 'ENGINE_AUTH_REQUIRED', 'send X-Engine-ID and X-Engine-Key');
  return { id, keyDigest: digestSecret(key) };
}

/** The engine-key authentication scheme, checked against the policy in memory (app.engineControl.cache). */
export default fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('engineId', undefined);
    app.decorateRequest('engineKeyDigest', undefined);
    const refusals = app.auth.refusalLog('engine credentials refused');
    const { cache } = app.engineControl;

    const admit = (request: FastifyRequest, id: string, keyDigest: Buffer, refused: EngineAuthFailure | null): void => {
      if (refused) {
        refusals.warn(request.log, { engine_id: id.slice(0, 100), code: refused });
        throw engineRefused(refused, id);
      }
      request.engineId = id;
      request.engineKeyDigest = keyDigest;
    };

    app.auth.register({
      name: 'engine',
      audience: 'engine',
      securitySchemes: {
        engineId: { type: 'apiKey', in: 'header', name: 'X-Engine-ID' },
        engineKey: { type: 'apiKey', in: 'header', name: 'X-Engine-Key' },
      },
      presents: (request) => header(request, 'x-engine-id') !== undefined || header(request, 'x-engine-key') !== undefined,
      authenticate: async (request) => {
        const { id, keyDigest } = credentials(request);
        admit(request, id, keyDigest, verifyEngine(cache.current(), id, keyDigest));
      },
      actor: (request) => request.engineId && `engine:${request.engineId}`,
    });

    // Callback style, unlike the others: on the hottest route an async hook's promise and microtask turn show.
    const screenEngine: onRequestHookHandler = (request, _reply, done) => {
      try {
        const { id, keyDigest } = credentials(request);
        // A stale snapshot may refuse a key rotated a moment ago, so only the current policy may refuse.
        admit(request, id, keyDigest, verifyEngine(cache.latest(), id, keyDigest) && verifyEngine(cache.current(), id, keyDigest));
        done();
      } catch (err) {
        done(err as Error);
      }
    };

    app.decorate('authenticateEngine', app.auth.anyOf('engine'));
    app.decorate('screenEngine', app.auth.document(screenEngine, { audiences: ['engine'] }));
    app.decorate('authenticateEngineOrOperator', app.auth.anyOf('engine', 'operator'));
  },
  { name: 'engine-auth', dependencies: ['auth', 'engine-control'] },
);
