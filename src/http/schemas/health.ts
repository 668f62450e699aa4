import { Type } from 'typebox';
import type { Static } from 'typebox';

const check = Type.Object({
  ok: Type.Boolean(),
  latency_ms: Type.Number(),
  error: Type.Optional(Type.String()),
  schema_version: Type.Optional(Type.Integer()),
  namespace: Type.Optional(Type.String()),
  age_ms: Type.Optional(
    Type.Integer({
      description: 'Set when a live check did not answer within the reply time: this is its last result, checked this long ago',
    }),
  ),
});

export type CheckResult = Static<typeof check>;

export const healthReplySchema = Type.Object({
  live: Type.Boolean({ description: 'The process answers' }),
  ready: Type.Boolean({ description: 'Database and Temporal both answer' }),
  failing: Type.Optional(Type.Array(Type.String(), { description: 'Names of the checks that failed' })),
  version: Type.Optional(Type.String()),
  instance_id: Type.Optional(Type.String()),
  uptime_s: Type.Optional(Type.Number()),
  checks: Type.Object({ database: check, temporal: check }),
});

export type HealthReply = Static<typeof healthReplySchema>;

export const liveReplySchema = Type.Object({
  live: Type.Boolean({ description: 'The process answers' }),
  version: Type.String(),
  uptime_s: Type.Number(),
});
