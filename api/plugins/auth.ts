import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Role } from '../../lib/db/repositories/api-keys.js';
import type { PolicySnapshot } from '../../lib/policy/snapshot.js';
import { AppError } from '../../lib/errors.js';
import { secretMatches } from '../../lib/crypto/secrets.js';

export interface OperatorIdentity {
  id: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    engineId: string | undefined;
    /** The policy snapshot the engine was authenticated against; a check evaluates the same one. */
    policy: PolicySnapshot | undefined;
    operator: OperatorIdentity | undefined;
  }
  interface FastifyInstance {
    /** onRequest: the caller is a registered, non-revoked engine presenting its current key. */
    authenticateEngine: (request: FastifyRequest) => Promise<void>;
    /** onRequest hook factory: the caller holds an operator key with at least this role. */
    requireRole: (role: Role) => (request: FastifyRequest) => Promise<void>;
    /** onRequest: an engine or an operator (any role). */
    authenticateEngineOrOperator: (request: FastifyRequest) => Promise<void>;
  }
}

const rank: Record<Role, number> = { reader: 0, operator: 1, admin: 2 };

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function operatorToken(request: FastifyRequest): string | undefined {
  const auth = header(request, 'authorization');
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  return header(request, 'x-api-key');
}

/** Zero trust: every route but /health names one of these as its onRequest hook, so nothing is parsed or validated for a stranger. */
export default fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('engineId', undefined);
    app.decorateRequest('policy', undefined);
    app.decorateRequest('operator', undefined);

    const authenticateEngine = async (request: FastifyRequest): Promise<void> => {
      const id = header(request, 'x-engine-id');
      const key = header(request, 'x-engine-key');
      if (!id || !key) throw new AppError(401, 'ENGINE_AUTH_REQUIRED', 'send X-Engine-ID and X-Engine-Key');
      const policy = app.engineControl.cache.current();
      const engine = policy.engines.get(id);
      // Compare even for an unknown id so timing does not reveal which engine ids exist.
      const matches = secretMatches(key, engine?.key_hash ?? '0'.repeat(64));
      if (!engine || !matches) throw new AppError(401, 'ENGINE_AUTH_FAILED', 'unknown engine or wrong key');
      if (engine.status === 'revoked') throw new AppError(401, 'ENGINE_REVOKED', `engine ${id} is revoked`);
      request.engineId = id;
      request.policy = policy;
    };

    const authenticateOperator = (request: FastifyRequest): OperatorIdentity => {
      const token = operatorToken(request);
      if (!token) throw new AppError(401, 'OPERATOR_AUTH_REQUIRED', 'send an operator API key as Authorization: Bearer <key> or X-API-Key');
      const key = app.engineControl.apiKeys.authenticate(token);
      if (!key) throw new AppError(401, 'OPERATOR_AUTH_FAILED', 'unknown or revoked API key');
      return { id: key.id, role: key.role };
    };

    app.decorate('authenticateEngine', authenticateEngine);
    app.decorate('requireRole', (role: Role) => async (request: FastifyRequest) => {
      const operator = authenticateOperator(request);
      if (rank[operator.role] < rank[role]) {
        throw new AppError(403, 'FORBIDDEN', `this needs the ${role} role; the key has ${operator.role}`);
      }
      request.operator = operator;
    });
    app.decorate('authenticateEngineOrOperator', async (request: FastifyRequest) => {
      if (header(request, 'x-engine-id') || header(request, 'x-engine-key')) return authenticateEngine(request);
      request.operator = authenticateOperator(request);
    });
  },
  { name: 'auth', dependencies: ['engine-control'] },
);

/** The audit actor for whoever made this request. */
export function actorOf(request: FastifyRequest): { actor: string; requestId: string } {
  const actor = request.operator ? `operator:${request.operator.id}` : request.engineId ? `engine:${request.engineId}` : 'anonymous';
  return { actor, requestId: request.id };
}
