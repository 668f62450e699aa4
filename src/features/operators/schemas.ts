import { Type } from 'typebox';
import { displayName } from '../../http/schemas/text.js';
import { ROLES } from './api-key-repository.js';
import type { Role } from './api-key-repository.js';

/** JSON schemas of the operator API key routes; they also generate the OpenAPI document. */

const role = Type.Unsafe<Role>({ type: 'string', enum: [...ROLES] });

export const apiKeyRecord = Type.Object({
  id: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  role: Type.Optional(role),
  created_at: Type.Optional(Type.String()),
  revoked_at: Type.Optional(Type.Unsafe<string | null>({ type: ['string', 'null'] })),
});

export const createApiKeyBody = Type.Object({ name: displayName, role }, { additionalProperties: false });

export const createdApiKey = Type.Object({ key: Type.Optional(Type.String()), record: Type.Optional(apiKeyRecord) });
