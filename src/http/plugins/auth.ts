import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { Role } from '../../features/operators/api-key-repository.js';
import { digestSecret } from '../../core/crypto/secrets.js';
import { AppError } from '../../core/errors.js';
import { WarningBudget } from '../../core/logging/warning-budget.js';
import { verifyEngine } from '../../features/engines/policy/engine-auth.js';
import type { EngineAuthFailure } from '../../features/engines/policy/engine-auth.js';

export interface OperatorIdentity {
  id: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    engineId: string | undefined;
    /** SHA-256 of the presented engine key, for a later confirmation against the current policy. */
    engineKeyDigest: Buffer | undefined;
    operator: OperatorIdentity | undefined;
  }
  interface FastifyInstance {
    /** onRequest: the caller is a registered, non-revoked engine presenting its current key. */
    authenticateEngine: (request: FastifyRequest) => Promise<void>;
    /**
     * onRequest for /actions/check: screens against the policy in memory without a database read.
     * A key that stopped being valid may pass the screen; the check confirms it when it decides.
     */
    screenEngine: onRequestHookHandler;
    /** onRequest hook factory: the caller holds an operator key with at least this role. */
    requireRole: (role: Role) => (request: FastifyRequest) => Promise<void>;
    /** onRequest: an engine or an operator (any role). */
    authenticateEngineOrOperator: (request: FastifyRequest) => Promise<void>;
  }
}

const rank: Record<Role, number> = { reader: 0, operator: 1, admin: 2 };

/** The least role each operator hook admits, so the API document can say what every route needs. */
const hookRoles = new WeakMap<object, Role>();

/** The least operator role an onRequest hook admits; undefined for a hook that admits no operator. */
export function roleRequiredBy(hook: unknown): Role | undefined {
  return typeof hook === 'function' ? hookRoles.get(hook) : undefined;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function operatorToken(request: FastifyRequest): string | undefined {
  const auth = header(request, 'authorization');
  const scheme = auth?.slice(0, 7).toLowerCase();
  if (scheme === 'bearer ') return auth!.slice(7).trim();
  // HTTP Basic with the key as password: what a browser sends after its login prompt (the docs UI).
  if (scheme?.startsWith('basic ')) {
    const decoded = Buffer.from(auth!.slice(6).trim(), 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1) || undefined;
  }
  return header(request, 'x-api-key');
}

/** Refused engine credentials logged one by one each minute; the rest are counted in one line. */
export const REFUSALS_LOGGED_PER_MINUTE = 20;

/** Zero trust: every route but /health names one of these as its onRequest hook, so nothing is parsed or validated for a stranger. */
export default fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('engineId', undefined);
    app.decorateRequest('engineKeyDigest', undefined);
    app.decorateRequest('operator', undefined);

    const engineCredentials = (request: FastifyRequest): { id: string; keyDigest: Buffer } => {
      const id = header(request, 'x-engine-id');
      const key = header(request, 'x-engine-key');
      if (!id || !key) throw new AppError(401, 'ENGINE_AUTH_REQUIRED', 'send X-Engine-ID and X-Engine-Key');
      return { id, keyDigest: digestSecret(key) };
    };

    // At warn, so it shows on /actions/check too: a revoked or guessed key in use is what an operator must see.
    const refusals = new WarningBudget(app.log, 'engine credentials refused', REFUSALS_LOGGED_PER_MINUTE, 60_000);
    app.addHook('onClose', async () => refusals.flush());

    const admit = (request: FastifyRequest, id: string, keyDigest: Buffer, refused: EngineAuthFailure | null): void => {
      if (refused) {
        refusals.warn(request.log, { engine_id: id.slice(0, 100), code: refused });
        throw engineRefused(refused, id);
      }
      request.engineId = id;
      request.engineKeyDigest = keyDigest;
    };

    const authenticateEngine = async (request: FastifyRequest): Promise<void> => {
      const { id, keyDigest } = engineCredentials(request);
      admit(request, id, keyDigest, verifyEngine(app.engineControl.cache.current(), id, keyDigest));
    };

    // Callback style, unlike the others: on the hottest route an async hook's promise and microtask turn show.
    const screenEngine: onRequestHookHandler = (request, _reply, done) => {
      try {
        const { id, keyDigest } = engineCredentials(request);
        const { cache } = app.engineControl;
        // A stale snapshot may refuse a key rotated a moment ago, so only the current policy may refuse.
        admit(request, id, keyDigest, verifyEngine(cache.latest(), id, keyDigest) && verifyEngine(cache.current(), id, keyDigest));
        done();
      } catch (err) {
        done(err as Error);
      }
    };

    const authenticateOperator = (request: FastifyRequest): OperatorIdentity => {
      const token = operatorToken(request);
      if (!token) throw new AppError(401, 'OPERATOR_AUTH_REQUIRED', 'send an operator API key as Authorization: Bearer <key>, X-API-Key, or the password of HTTP Basic auth');
      const key = app.engineControl.apiKeys.authenticate(token);
      if (!key) throw new AppError(401, 'OPERATOR_AUTH_FAILED', 'unknown or revoked API key');
      return { id: key.id, role: key.role };
    };

    app.decorate('authenticateEngine', authenticateEngine);
    app.decorate('screenEngine', screenEngine);
    app.decorate('requireRole', (role: Role) => {
      const hook = async (request: FastifyRequest): Promise<void> => {
        const operator = authenticateOperator(request);
        if (rank[operator.role] < rank[role]) {
          throw new AppError(403, 'FORBIDDEN', `this needs the ${role} role; the key has ${operator.role}`);
        }
        request.operator = operator;
      };
      hookRoles.set(hook, role);
      return hook;
    });
    const authenticateEngineOrOperator = async (request: FastifyRequest): Promise<void> => {
      if (header(request, 'x-engine-id') || header(request, 'x-engine-key')) return authenticateEngine(request);
      request.operator = authenticateOperator(request);
    };
    hookRoles.set(authenticateEngineOrOperator, 'reader');
    app.decorate('authenticateEngineOrOperator', authenticateEngineOrOperator);
  },
  { name: 'auth', dependencies: ['engine-control'] },
);

/** The 401 for engine credentials the policy refuses. */
export function engineRefused(failure: EngineAuthFailure, id: string): AppError {
  return failure === 'ENGINE_REVOKED'
    ? new AppError(401, 'ENGINE_REVOKED', `engine ${id} is revoked`)
    : new AppError(401, 'ENGINE_AUTH_FAILED', 'unknown engine or wrong key');
}

/** The audit actor for whoever made this request. */
export function actorOf(request: FastifyRequest): { actor: string; requestId: string } {
  const actor = request.operator ? `operator:${request.operator.id}` : request.engineId ? `engine:${request.engineId}` : 'anonymous';
  return { actor, requestId: request.id };
}
