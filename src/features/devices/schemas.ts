import { Type } from 'typebox';
import { FREE_TEXT_RULE } from '../../core/display-text.js';

/** The shapes the device routes share; each route folder adds its own bodies. */

export const hostname = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$',
  description: 'A host name (RFC 1123): lower-case letters, digits, hyphens, dots',
});
export const tag = Type.String({ pattern: '^[a-z0-9][a-z0-9._:-]{0,62}$', description: 'A tag: lower-case letters, digits and . _ : -' });
export const tags = Type.Array(tag, { maxItems: 32, uniqueItems: true });
export const fingerprint = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Hex SHA-256 of the device key (SPKI DER)' });
export const reason = Type.String({ format: 'free-text', minLength: 1, maxLength: 500, description: `Why: ${FREE_TEXT_RULE}` });
export const deviceStatus = Type.Union([Type.Literal('active'), Type.Literal('quarantined'), Type.Literal('revoked')]);
export const enrollmentStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('approved'),
  Type.Literal('denied'),
  Type.Literal('expired'),
]);
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
