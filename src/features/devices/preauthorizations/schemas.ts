import { Type } from 'typebox';
import type { Static } from 'typebox';
import { pattern } from '../../../http/schemas/patterns.js';
import { deviceTags, filledObject, fingerprint, orNull } from '../shared/schemas.js';
import { DEVICE_KEY_RULE } from '../shared/device-key.js';

/** JSON schemas of the preauthorization routes; they also generate the OpenAPI document. */

/** Standard base64 (RFC 4648 §4) with its padding; what it decodes to is the service's to judge. */
export const BASE64 = pattern('^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$', 'standard base64, with padding');

/** RFC 1123: dot-separated labels of 1 to 63 letters, digits or hyphens, no label starting or ending with a hyphen. */
export const HOSTNAME = pattern(
  '^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$',
  'a host name (RFC 1123): dot-separated labels of 1 to 63 letters, digits or "-", none starting or ending with "-"',
);
export const HOSTNAME_LENGTH = 253;

export const preauthorizeBody = filledObject({
  public_key: Type.Optional(
    // Long enough for an RSA key to reach the check that names what it is, rather than a length limit.
    Type.String({ minLength: 1, maxLength: 1024, pattern: BASE64.source, description: `The device key: ${DEVICE_KEY_RULE}` }),
  ),
  fingerprint: Type.Optional(fingerprint),
  hostname: Type.Optional(
    Type.String({
      maxLength: HOSTNAME_LENGTH,
      pattern: HOSTNAME.source,
      description: `The name the device gets, up to ${HOSTNAME_LENGTH} characters: ${HOSTNAME.words}. Stored in lower case`,
    }),
  ),
  tags: deviceTags,
});
export type PreauthorizeBody = Static<typeof preauthorizeBody>;

export const fingerprintParams = Type.Object({ fingerprint });

export const preauthorization = Type.Partial(
  Type.Object({
    fingerprint: Type.String(),
    hostname: orNull<string>('string'),
    tags: Type.Array(Type.String()),
    created_at: Type.String(),
    created_by: Type.String({ description: 'The audit actor who made it, e.g. operator:key_…' }),
    used_at: orNull<string>('string'),
  }),
);
