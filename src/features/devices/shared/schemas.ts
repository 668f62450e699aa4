import { Type } from 'typebox';
import type { TObject, TProperties } from 'typebox';
import { FREE_TEXT_RULE } from '../../../core/display-text.js';
import { pattern } from '../../../http/schemas/patterns.js';

/** The shapes the device routes share; each route folder adds its own bodies. */

/** A device's hostname as it is stored: RFC 1123, in lower case. */
export const HOSTNAME_PATTERN = '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$';
export const HOSTNAME_MAX_LENGTH = 253;

export const hostname = Type.String({
  minLength: 1,
  maxLength: HOSTNAME_MAX_LENGTH,
  pattern: HOSTNAME_PATTERN,
  description: 'A host name (RFC 1123): lower-case letters, digits, hyphens, dots',
});
/** A device tag, as jobs will target devices by them. */
export const TAG = pattern(
  '^[a-z0-9][a-z0-9._:-]{0,62}$',
  '1 to 63 lowercase letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
);

/** The name of a profile (build/profiles), which a device enrolled with a code is to run. */
export const PROFILE_NAME = pattern(
  '^[a-z0-9][a-z0-9-]{0,62}$',
  '1 to 63 lowercase letters, digits or "-", starting with a letter or digit',
);

const MAX_TAGS = 32;

/** The tags a device gets: at most 32, none twice. */
export const deviceTags = Type.Array(Type.String({ pattern: TAG.source }), {
  maxItems: MAX_TAGS,
  uniqueItems: true,
  description: `Up to ${MAX_TAGS} distinct tags, each ${TAG.words}`,
});

export const tag = Type.String({ pattern: TAG.source, description: `A tag: ${TAG.words}` });

const FINGERPRINT = pattern('^[0-9a-f]{64}$', '64 lowercase hexadecimal digits');

export const fingerprint = Type.String({ pattern: FINGERPRINT.source, description: `The device key's fingerprint: ${FINGERPRINT.words}` });

export const reason = Type.String({ format: 'free-text', minLength: 1, maxLength: 500, description: `Why: ${FREE_TEXT_RULE}` });
export const deviceStatus = Type.Union([Type.Literal('active'), Type.Literal('quarantined'), Type.Literal('revoked')]);
export const enrollmentStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('approved'),
  Type.Literal('denied'),
  Type.Literal('expired'),
]);
/** A value that may be null, written as a type list (`['string', 'null']`) rather than anyOf. */
export const orNull = <T>(type: 'string' | 'integer') => Type.Unsafe<T | null>({ type: [type, 'null'] });

/** A string of one of `values`, written as `{ type: 'string', enum }` so a wrong type is refused as "must be string". */
export const oneOf = <T extends string>(values: readonly T[], options: { description?: string } = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: values, ...options });

/**
 * An object whose properties with a default need not be sent, yet are always there once validated (Ajv fills them
 * in): they stay out of `required`, and the derived type has them, as the handler gets them.
 */
export function filledObject<P extends TProperties>(properties: P): TObject<P> {
  const schema = Type.Object(properties, { additionalProperties: false });
  const required =
    (schema.required as string[] | undefined)?.filter((key) => (properties[key] as { default?: unknown }).default === undefined) ?? [];
  if (required.length > 0) (schema as { required?: string[] }).required = required;
  else delete (schema as { required?: string[] }).required;
  return schema;
}

const nullableString = Type.Union([Type.String(), Type.Null()]);

export const deviceView = Type.Object({
  id: Type.String(),
  hostname: Type.String(),
  fingerprint: Type.String(),
  status: deviceStatus,
  status_reason: nullableString,
  tags: Type.Array(Type.String()),
  profile: nullableString,
  token_version: Type.Integer({ description: 'Raised by quarantine and revoke: tokens issued under an older version are refused' }),
  enrolled_at: Type.String(),
  last_seen_at: nullableString,
  online: Type.Boolean({ description: 'A heartbeat arrived within BORG_OFFLINE_AFTER_MISSED × BORG_HEARTBEAT_INTERVAL' }),
  inventory: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
});

export const enrollmentView = Type.Object({
  reference: Type.String({ description: 'The approval_reference the device polls with' }),
  workflow_id: Type.String({ description: 'The enrollment flow in Temporal: enroll-<fingerprint>' }),
  fingerprint: Type.String(),
  hostname: Type.String(),
  tags: Type.Array(Type.String()),
  profile: nullableString,
  approval: Type.Union([Type.Literal('operator'), Type.Literal('install_code'), Type.Literal('preauthorized')]),
  status: enrollmentStatus,
  reason: nullableString,
  device_id: nullableString,
  decided_by: nullableString,
  decided_at: nullableString,
  deadline_at: Type.String(),
  credentials_delivered: Type.Boolean(),
  client_address: Type.String(),
  created_at: Type.String(),
});
