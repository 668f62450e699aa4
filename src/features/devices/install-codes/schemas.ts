import { Type } from 'typebox';
import type { Static, TObject, TProperties } from 'typebox';
import { FREE_TEXT_RULE } from '../../../core/display-text.js';
import { pattern } from '../../../http/schemas/patterns.js';

/** JSON schemas of the install code routes; they also generate the OpenAPI document. Tags are shared with preauthorizations. */

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

export const MAX_TAGS = 32;

/** The tags a device gets: at most 32, none twice. */
export const deviceTags = Type.Array(Type.String({ pattern: TAG.source }), {
  maxItems: MAX_TAGS,
  uniqueItems: true,
  description: `Up to ${MAX_TAGS} distinct tags, each ${TAG.words}`,
});

/** Seconds: one minute to 365 days. */
export const TTL_S = { minimum: 60, maximum: 365 * 24 * 3600 } as const;
export const MAX_USES = { minimum: 1, maximum: 100_000 } as const;
export const NOTE_LENGTH = 500;

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

export const INSTALL_CODE_STATES = ['active', 'expired', 'used_up', 'revoked'] as const;
export type InstallCodeState = (typeof INSTALL_CODE_STATES)[number];

export const createInstallCodeBody = filledObject({
  ttl_s: Type.Integer({ ...TTL_S, description: 'How long the code may be used, in seconds: 60 to 31536000 (365 days)' }),
  max_uses: Type.Integer({ ...MAX_USES, description: 'How many devices may enroll with it: 1 to 100000' }),
  tags: deviceTags,
  profile: Type.Optional(Type.String({ pattern: PROFILE_NAME.source, description: `The profile its devices run: ${PROFILE_NAME.words}` })),
  auto_approve: Type.Boolean({
    default: false,
    description: 'Devices enrolling with it are approved at once; otherwise each waits for an operator',
  }),
  note: Type.String({
    maxLength: NOTE_LENGTH,
    default: '',
    format: 'free-text',
    description: `What it is for, for operators to read: ${FREE_TEXT_RULE}`,
  }),
});
export type CreateInstallCodeBody = Static<typeof createInstallCodeBody>;

/** A reply: each property is written when the record has it, none is demanded. */
export const installCodeRecord = Type.Partial(
  Type.Object({
    id: Type.String(),
    tags: Type.Array(Type.String()),
    profile: orNull<string>('string'),
    auto_approve: Type.Boolean(),
    note: Type.String(),
    max_uses: Type.Integer(),
    uses: Type.Integer(),
    expires_at: Type.String(),
    created_at: Type.String(),
    created_by: Type.String({ description: 'The audit actor who made it, e.g. operator:key_…' }),
    last_used_at: orNull<string>('string'),
    revoked_at: orNull<string>('string'),
    state: oneOf(INSTALL_CODE_STATES, { description: 'active until revoked, expired or used up, in that order' }),
  }),
);

export const createdInstallCode = Type.Object({
  code: Type.String({
    description: 'Shown once; only its hash is kept. Devices may send it in any case, with or without spaces and dashes',
  }),
  install_code: installCodeRecord,
});
