import { Type } from 'typebox';
import { pattern, SLUG } from '../http/schemas/patterns.js';
import { HEAD_PATTERN } from './chain.js';

/** JSON schemas of the audit routes (the decision log, the chain check); they also generate the OpenAPI document. */

const AUDIT_HEAD = pattern(HEAD_PATTERN.source, '64 lowercase hexadecimal digits');
const slug = Type.String({ pattern: SLUG.source });
const isoTime = Type.String({ format: 'date-time' });
const nullableString = Type.Unsafe<string | null>({ type: ['string', 'null'] });

export const decision = Type.Object({
  seq: Type.Optional(Type.Integer()),
  decision_id: Type.Optional(Type.String()),
  request_id: Type.Optional(nullableString),
  engine_id: Type.Optional(Type.String()),
  platform: Type.Optional(Type.String()),
  action_type: Type.Optional(Type.String()),
  allowed: Type.Optional(Type.Boolean()),
  reason: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  required_scopes: Type.Optional(Type.Array(Type.String())),
  created_at: Type.Optional(Type.String()),
  hash: Type.Optional(Type.String()),
});

export const decisionQuery = Type.Object(
  {
    engine_id: Type.Optional(Type.String({ maxLength: 100 })),
    platform: Type.Optional(slug),
    action_type: Type.Optional(slug),
    allowed: Type.Optional(Type.Boolean()),
    since: Type.Optional(isoTime),
    until: Type.Optional(isoTime),
    before: Type.Optional(Type.Integer({ minimum: 1, description: 'Page backwards: only decisions with seq below this' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export const chainReport = Type.Object({
  ok: Type.Boolean(),
  checked: Type.Integer(),
  head: Type.Optional(Type.String()),
  holds_kept_head: Type.Optional(
    Type.Boolean({
      description: 'With ?head=: true when the chain is intact and holds that head (otherwise ok is false and missing_head says why)',
    }),
  ),
  first_broken: Type.Optional(
    Type.Object({ seq: Type.Optional(Type.Integer()), id: Type.Optional(Type.String()), problem: Type.Optional(Type.String()) }),
  ),
  missing_head: Type.Optional(Type.Object({ hash: Type.Optional(Type.String()), problem: Type.Optional(Type.String()) })),
});

export const verifyQuery = Type.Object(
  {
    head: Type.Optional(
      Type.String({
        pattern: AUDIT_HEAD.source,
        description:
          'A head an earlier verify returned, kept outside this database: the answer is not ok unless the chain still holds it, which catches entries removed from its end',
      }),
    ),
  },
  { additionalProperties: false },
);
