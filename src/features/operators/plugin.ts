import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { DomainError } from '../../core/errors.js';
import { header } from '../../http/plugins/auth.js';
import type { AuthHook } from '../../http/plugins/auth.js';
import { ApiKeys } from './api-keys.js';
import type { Role } from './api-key-repository.js';

export interface OperatorIdentity {
  id: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    operator: OperatorIdentity | undefined;
  }
  interface FastifyInstance {
    operators: { apiKeys: ApiKeys };
    /** onRequest hook factory: the caller holds an operator key with at least this role. */
    requireRole: (role: Role) => AuthHook;
  }
}

const rank: Record<Role, number> = { reader: 0, operator: 1, admin: 2 };

/** What a route needs, in the API document: `x-required-role` for tools, a sentence for people. */
const roleDoc = (role: Role) => ({
  extensions: { 'x-required-role': role },
  note: {
    reader: 'Operator keys: any role (reader, operator, admin).',
    operator: 'Operator keys: the operator or admin role.',
    admin: 'Operator keys: the admin role only.',
  }[role],
});

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

/** Operator API keys: the service, and the operator-key authentication scheme with its roles. */
export default fp(
  async (app: FastifyInstance) => {
    const apiKeys = new ApiKeys(app.db);
    app.decorate('operators', { apiKeys });
    app.decorateRequest('operator', undefined);

    const identify = (request: FastifyRequest): OperatorIdentity => {
      const token = operatorToken(request);
      if (!token) {
        throw new DomainError(
          'unauthenticated',
          'OPERATOR_AUTH_REQUIRED',
          'send an operator API key as Authorization: Bearer <key>, X-API-Key, or the password of HTTP Basic auth',
        );
      }
      const key = apiKeys.authenticate(token);
      if (!key) throw new DomainError('unauthenticated', 'OPERATOR_AUTH_FAILED', 'unknown or revoked API key');
      return { id: key.id, role: key.role };
    };

    app.auth.register({
      name: 'operator',
      audience: 'operator',
      securitySchemes: { operatorKey: { type: 'http', scheme: 'bearer', description: 'Operator API key (also accepted as X-API-Key)' } },
      presents: (request) => operatorToken(request) !== undefined,
      authenticate: async (request) => {
        request.operator = identify(request);
      },
      actor: (request) => request.operator && `operator:${request.operator.id}`,
      doc: roleDoc('reader'),
    });

    app.decorate('requireRole', (role: Role) =>
      app.auth.document(
        async (request: FastifyRequest): Promise<void> => {
          const operator = identify(request);
          if (rank[operator.role] < rank[role])
            throw new DomainError('forbidden', 'FORBIDDEN', `this needs the ${role} role; the key has ${operator.role}`);
          request.operator = operator;
        },
        { audiences: ['operator'], ...roleDoc(role) },
      ),
    );
  },
  { name: 'operators', dependencies: ['db', 'auth'] },
);
