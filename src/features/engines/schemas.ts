import { Type } from 'typebox';
import { DISPLAY_TEXT_RULE, FREE_TEXT_RULE } from '../../core/display-text.js';
import type { Static, TObject, TProperties } from 'typebox';
import { pageQuery } from '../../http/schemas/page.js';
import { SCOPE, SLUG } from '../../http/schemas/patterns.js';
import { displayName } from '../../http/schemas/text.js';
import { WINDOW_YEARS } from './services/maintenance.js';

/**
 * Every shape engine control reads or answers, written once: routes validate with these, the OpenAPI document is
 * generated from them, and the handlers', services' and repositories' types are derived from them.
 */

/** A string of one of `values`, written as `{ type: 'string', enum }` so a wrong type is refused as "must be string". */
const oneOf = <T extends string>(values: readonly T[], options: { description?: string; default?: T } = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: values, ...options });

/** A value that may be null, written as a type list (`['string', 'null']`) rather than anyOf. */
const orNull = <T>(type: 'string' | 'integer', options: { description?: string } = {}) =>
  Type.Unsafe<T | null>({ type: [type, 'null'], ...options });

/**
 * An object whose properties with a default need not be sent, yet are always there once validated (Ajv fills them
 * in): they stay out of `required`, and the derived type has them, as the handler gets them.
 */
function filledObject<P extends TProperties>(properties: P, options: { additionalProperties?: boolean } = {}): TObject<P> {
  const schema = Type.Object(properties, options);
  const required =
    (schema.required as string[] | undefined)?.filter((key) => (properties[key] as { default?: unknown }).default === undefined) ?? [];
  if (required.length > 0) (schema as { required?: string[] }).required = required;
  else delete (schema as { required?: string[] }).required;
  return schema;
}

/** A reply: each property is written when the row has it, none is demanded. */
const reply = <P extends TProperties>(properties: P) => Type.Partial(Type.Object(properties));

const slug = Type.String({ pattern: SLUG.source });
const isoTime = Type.String({ format: 'date-time' });
const scopes = Type.Array(Type.String({ minLength: 1, maxLength: 200, pattern: SCOPE.source }), { maxItems: 50, uniqueItems: true });
/** What an engine or an operator writes for people to read; stored and shown as sent. */
const freeText = (options: { minLength?: number; maxLength: number; default?: string }) =>
  Type.String({ format: 'free-text', description: `Free text: ${FREE_TEXT_RULE}`, ...options });
const strings = Type.Array(Type.String());
const filter = Type.String({ maxLength: 100 });

const engineStatuses = ['active', 'suspended', 'revoked'] as const;
const platformStatuses = ['active', 'maintenance', 'disabled'] as const;
const grantStatuses = ['active', 'revoked', 'expired'] as const;
const grantRequestStatuses = ['pending', 'approved', 'denied', 'expired'] as const;
const windowStatuses = ['scheduled', 'active', 'completed', 'cancelled'] as const;
const eventLevels = ['debug', 'info', 'warn', 'error'] as const;

// Engines

export const capability = Type.Object({ platform: slug, action_type: slug }, { additionalProperties: false });
export type Capability = Static<typeof capability>;

export const engine = reply({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  status: oneOf(engineStatuses),
  capabilities: Type.Array(capability),
  created_at: Type.String(),
  key_rotated_at: Type.String(),
});

export const registerEngineBody = filledObject(
  {
    name: displayName,
    description: freeText({ maxLength: 1000, default: '' }),
    capabilities: Type.Array(capability, { maxItems: 200, default: [] }),
  },
  { additionalProperties: false },
);
export type RegisterEngineBody = Static<typeof registerEngineBody>;

export const engineWithKey = Type.Object({
  engine_id: Type.String(),
  key: Type.String({ description: 'Shown once; store it now' }),
  engine,
});

export const engineValidation = reply({ valid: Type.Boolean(), engine_id: Type.String(), status: Type.String(), name: Type.String() });

export const engineListQuery = filledObject(
  { status: Type.Optional(oneOf(engineStatuses)), ...pageQuery },
  { additionalProperties: false },
);
export type EngineListQuery = Static<typeof engineListQuery>;

// Checks

export const checkBody = Type.Object(
  { engine_id: Type.String({ minLength: 1, maxLength: 100 }), platform: slug, action_type: slug },
  { additionalProperties: false },
);
export type CheckBody = Static<typeof checkBody>;

export const checkReply = Type.Object({
  allowed: Type.Boolean(),
  required_scopes: strings,
  reason: Type.String({
    description:
      'granted, or the rule that denied: engine_mismatch, engine_suspended, engine_revoked, flag_disabled, platform_unknown, platform_maintenance, platform_disabled, grant_expired, no_grant',
  }),
  message: Type.Optional(Type.String()),
  decision_id: Type.String(),
});

// Platforms and maintenance windows

export const platform = reply({
  id: Type.String(),
  name: Type.String(),
  status: oneOf(platformStatuses),
  version: Type.String(),
  updated_at: Type.String(),
});

export const putPlatformBody = Type.Object(
  {
    name: displayName,
    status: Type.Optional(oneOf(platformStatuses, { description: 'Omitted: unchanged for an existing platform, active for a new one' })),
    version: Type.String({ minLength: 1, maxLength: 50, format: 'display-text', description: `A version: ${DISPLAY_TEXT_RULE}` }),
  },
  { additionalProperties: false },
);
export type PutPlatformBody = Static<typeof putPlatformBody>;

export const platformParams = Type.Object({ id: slug });

const windowTime = Type.String({
  format: 'date-time',
  description: `An RFC 3339 time within the years ${WINDOW_YEARS.first}-${WINDOW_YEARS.last}`,
});

export const maintenanceBody = Type.Object(
  { starts_at: windowTime, ends_at: windowTime },
  { additionalProperties: false, description: 'ends_at must be after starts_at and in the future; a window may start in the past' },
);
export type MaintenanceBody = Static<typeof maintenanceBody>;

export const maintenanceWindow = reply({
  id: Type.String(),
  platform_id: Type.String(),
  starts_at: Type.String(),
  ends_at: Type.String(),
  status: oneOf(windowStatuses),
  workflow_id: Type.String(),
  created_at: Type.String(),
});

export const windowListQuery = filledObject(
  { platform: Type.Optional(filter), status: Type.Optional(oneOf(windowStatuses)), ...pageQuery },
  { additionalProperties: false },
);
export type WindowListQuery = Static<typeof windowListQuery>;

// Grants and grant requests

export const grant = reply({
  id: Type.String(),
  engine_id: Type.String(),
  platform_id: Type.String(),
  action_type: Type.String(),
  scopes: strings,
  expires_at: orNull<string>('string'),
  status: oneOf(grantStatuses),
  created_at: Type.String(),
  ended_at: orNull<string>('string'),
  expiry_workflow_id: Type.String(),
  superseded: Type.Array(Type.String(), { description: 'The grants this one replaced (POST /grants with replace: true)' }),
});

export const createGrantBody = filledObject(
  {
    engine_id: Type.String({ minLength: 1, maxLength: 100 }),
    platform: slug,
    action_type: slug,
    scopes,
    expires_at: Type.Optional(isoTime),
    replace: Type.Boolean({
      default: false,
      description: 'Replace the active grant the engine holds for this platform and action, instead of a 409',
    }),
  },
  { additionalProperties: false },
);
export type CreateGrantBody = Static<typeof createGrantBody>;

export const grantListQuery = filledObject(
  {
    engine_id: Type.Optional(filter),
    platform: Type.Optional(filter),
    action_type: Type.Optional(filter),
    status: Type.Optional(oneOf(grantStatuses)),
    ...pageQuery,
  },
  { additionalProperties: false },
);
export type GrantListQuery = Static<typeof grantListQuery>;

export const grantRequestBody = filledObject(
  {
    platform: slug,
    action_type: slug,
    scopes,
    duration_s: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 31_536_000, description: 'Time-box the grant to this many seconds from approval' }),
    ),
    reason: freeText({ maxLength: 1000, default: '' }),
    deadline_s: Type.Integer({ minimum: 1, maximum: 2_592_000, default: 86_400, description: 'How long operators have to decide' }),
  },
  { additionalProperties: false },
);
export type GrantRequestBody = Static<typeof grantRequestBody>;

export const grantRequest = reply({
  id: Type.String(),
  engine_id: Type.String(),
  platform_id: Type.String(),
  action_type: Type.String(),
  scopes: strings,
  duration_s: orNull<number>('integer'),
  reason: Type.String(),
  status: oneOf(grantRequestStatuses),
  decided_by: orNull<string>('string'),
  grant_id: orNull<string>('string'),
  workflow_id: Type.String(),
  created_at: Type.String(),
  deadline_at: orNull<string>('string', {
    description: 'A decision after this is refused and the request expires, whether or not a worker ran meanwhile',
  }),
  decided_at: orNull<string>('string'),
});

export const grantRequestListQuery = filledObject(
  {
    status: Type.Optional(oneOf(grantRequestStatuses)),
    engine_id: Type.Optional(filter),
    platform: Type.Optional(filter),
    action_type: Type.Optional(filter),
    ...pageQuery,
  },
  { additionalProperties: false },
);
export type GrantRequestListQuery = Static<typeof grantRequestListQuery>;

// Feature flags and configuration

export const flag = reply({
  name: Type.String(),
  enabled: Type.Boolean(),
  platform_id: orNull<string>('string'),
  action_type: orNull<string>('string'),
  description: Type.String(),
  updated_at: Type.String(),
});

export const flagParams = Type.Object({ name: slug });

export const putFlagBody = filledObject(
  {
    enabled: Type.Boolean(),
    platform: Type.Optional(slug),
    action_type: Type.Optional(slug),
    description: freeText({ maxLength: 1000, default: '' }),
  },
  { additionalProperties: false },
);
export type PutFlagBody = Static<typeof putFlagBody>;

export const globalConfig = reply({
  api_version: Type.String(),
  server_version: Type.String(),
  flags: Type.Unsafe<Record<string, boolean>>({ type: 'object', additionalProperties: { type: 'boolean' } }),
});

// Engine events

export const engineEventBody = filledObject(
  {
    type: freeText({ minLength: 1, maxLength: 100 }),
    level: oneOf(eventLevels, { default: 'info' }),
    message: freeText({ minLength: 1, maxLength: 4000 }),
    data: Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true, default: {} }),
  },
  { additionalProperties: false },
);
export type EngineEventBody = Static<typeof engineEventBody>;

export const engineEvent = reply({
  id: Type.String(),
  engine_id: Type.String(),
  type: Type.String(),
  level: Type.String(),
  message: Type.String(),
  data: Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true }),
  request_id: orNull<string>('string'),
  created_at: Type.String(),
});

export const eventAccepted = reply({ event_id: Type.String() });

export const eventListQuery = filledObject(
  {
    engine_id: Type.Optional(Type.String()),
    before: Type.Optional(
      Type.String({
        maxLength: 100,
        description:
          'Page backwards: only events older than this event id (the last one of the previous page). It must name an event: one that names nothing is a 400',
      }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
);
export type EventListQuery = Static<typeof eventListQuery>;
