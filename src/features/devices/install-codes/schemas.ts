import { Type } from 'typebox';
import type { Static } from 'typebox';
import { FREE_TEXT_RULE } from '../../../core/display-text.js';
import { deviceTags, filledObject, oneOf, orNull, PROFILE_NAME } from '../shared/schemas.js';

/** JSON schemas of the install code routes; they also generate the OpenAPI document. */

/** Seconds: one minute to 365 days. */
export const TTL_S = { minimum: 60, maximum: 365 * 24 * 3600 } as const;
export const MAX_USES = { minimum: 1, maximum: 100_000 } as const;
export const NOTE_LENGTH = 500;

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
