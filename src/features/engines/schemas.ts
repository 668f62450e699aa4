import { AUDIT_HEAD, SCOPE, SLUG } from '../../http/schemas/patterns.js';

/** JSON schemas shared by the engine-control routes; they also generate the OpenAPI document. */

const slug = { type: 'string', pattern: SLUG.source } as const;
const isoTime = { type: 'string', format: 'date-time' } as const;
const scopes = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200, pattern: SCOPE.source }, maxItems: 50, uniqueItems: true } as const;
/** What an engine or an operator writes for people to read; stored and shown as sent. */
const freeText = { type: 'string', format: 'free-text' } as const;
/** A name shown to operators: not blank, no control characters. */
export const displayName = { type: 'string', minLength: 1, maxLength: 100, format: 'display-text' } as const;
const platformStatuses = ['active', 'maintenance', 'disabled'] as const;
const strings = { type: 'array', items: { type: 'string' } } as const;
const nullableString = { type: ['string', 'null'] } as const;

export const engineSecurity = [{ engineId: [], engineKey: [] }];
export const operatorSecurity = [{ operatorKey: [] }];
export const eitherSecurity = [...engineSecurity, ...operatorSecurity];

export const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } } as const;

export const capability = { type: 'object', required: ['platform', 'action_type'], additionalProperties: false, properties: { platform: slug, action_type: slug } } as const;

export const engine = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    status: { type: 'string', enum: ['active', 'suspended', 'revoked'] },
    capabilities: { type: 'array', items: capability },
    created_at: { type: 'string' },
    key_rotated_at: { type: 'string' },
  },
} as const;

export const registerEngineBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: displayName,
    description: { ...freeText, maxLength: 1000, default: '' },
    capabilities: { type: 'array', items: capability, maxItems: 200, default: [] },
  },
} as const;

export const engineWithKey = {
  type: 'object',
  required: ['engine_id', 'key', 'engine'],
  properties: { engine_id: { type: 'string' }, key: { type: 'string', description: 'Shown once; store it now' }, engine },
} as const;

export const checkBody = {
  type: 'object',
  required: ['engine_id', 'platform', 'action_type'],
  additionalProperties: false,
  properties: { engine_id: { type: 'string', minLength: 1, maxLength: 100 }, platform: slug, action_type: slug },
} as const;

export const checkReply = {
  type: 'object',
  required: ['allowed', 'required_scopes', 'reason', 'decision_id'],
  properties: {
    allowed: { type: 'boolean' },
    required_scopes: strings,
    reason: {
      type: 'string',
      description: 'granted, or the rule that denied: engine_mismatch, engine_suspended, engine_revoked, flag_disabled, platform_unknown, platform_maintenance, platform_disabled, grant_expired, no_grant',
    },
    message: { type: 'string' },
    decision_id: { type: 'string' },
  },
} as const;

export const platform = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string', enum: platformStatuses },
    version: { type: 'string' },
    updated_at: { type: 'string' },
  },
} as const;

export const putPlatformBody = {
  type: 'object',
  required: ['name', 'version'],
  additionalProperties: false,
  properties: {
    name: displayName,
    status: { type: 'string', enum: platformStatuses, description: 'Omitted: unchanged for an existing platform, active for a new one' },
    version: { ...displayName, maxLength: 50 },
  },
} as const;

export const platformParams = { type: 'object', required: ['id'], properties: { id: slug } } as const;

export const grant = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    engine_id: { type: 'string' },
    platform_id: { type: 'string' },
    action_type: { type: 'string' },
    scopes: strings,
    expires_at: nullableString,
    status: { type: 'string', enum: ['active', 'revoked', 'expired'] },
    created_at: { type: 'string' },
    ended_at: nullableString,
    expiry_workflow_id: { type: 'string' },
    superseded: { ...strings, description: 'The grants this one replaced (POST /grants with replace: true)' },
  },
} as const;

export const createGrantBody = {
  type: 'object',
  required: ['engine_id', 'platform', 'action_type', 'scopes'],
  additionalProperties: false,
  properties: {
    engine_id: { type: 'string', minLength: 1, maxLength: 100 },
    platform: slug,
    action_type: slug,
    scopes,
    expires_at: isoTime,
    replace: { type: 'boolean', default: false, description: 'Replace the active grant the engine holds for this platform and action, instead of a 409' },
  },
} as const;

export const grantRequestBody = {
  type: 'object',
  required: ['platform', 'action_type', 'scopes'],
  additionalProperties: false,
  properties: {
    platform: slug,
    action_type: slug,
    scopes,
    duration_s: { type: 'integer', minimum: 1, maximum: 31_536_000, description: 'Time-box the grant to this many seconds from approval' },
    reason: { ...freeText, maxLength: 1000, default: '' },
    deadline_s: { type: 'integer', minimum: 1, maximum: 2_592_000, default: 86_400, description: 'How long operators have to decide' },
  },
} as const;

export const grantRequest = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    engine_id: { type: 'string' },
    platform_id: { type: 'string' },
    action_type: { type: 'string' },
    scopes: strings,
    duration_s: { type: ['integer', 'null'] },
    reason: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'approved', 'denied', 'expired'] },
    decided_by: nullableString,
    grant_id: nullableString,
    workflow_id: { type: 'string' },
    created_at: { type: 'string' },
    deadline_at: { ...nullableString, description: 'A decision after this is refused and the request expires, whether or not a worker ran meanwhile' },
    decided_at: nullableString,
  },
} as const;

export const flag = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    enabled: { type: 'boolean' },
    platform_id: nullableString,
    action_type: nullableString,
    description: { type: 'string' },
    updated_at: { type: 'string' },
  },
} as const;

export const flagParams = { type: 'object', required: ['name'], properties: { name: slug } } as const;

export const putFlagBody = {
  type: 'object',
  required: ['enabled'],
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    platform: slug,
    action_type: slug,
    description: { ...freeText, maxLength: 1000, default: '' },
  },
} as const;

export const maintenanceBody = {
  type: 'object',
  required: ['starts_at', 'ends_at'],
  additionalProperties: false,
  properties: { starts_at: isoTime, ends_at: isoTime },
} as const;

export const maintenanceWindow = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    platform_id: { type: 'string' },
    starts_at: { type: 'string' },
    ends_at: { type: 'string' },
    status: { type: 'string', enum: ['scheduled', 'active', 'completed', 'cancelled'] },
    workflow_id: { type: 'string' },
    created_at: { type: 'string' },
  },
} as const;

export const engineEventBody = {
  type: 'object',
  required: ['type', 'message'],
  additionalProperties: false,
  properties: {
    type: { ...freeText, minLength: 1, maxLength: 100 },
    level: { type: 'string', enum: ['debug', 'info', 'warn', 'error'], default: 'info' },
    message: { ...freeText, minLength: 1, maxLength: 4000 },
    data: { type: 'object', additionalProperties: true, default: {} },
  },
} as const;

export const decision = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    decision_id: { type: 'string' },
    request_id: nullableString,
    engine_id: { type: 'string' },
    platform: { type: 'string' },
    action_type: { type: 'string' },
    allowed: { type: 'boolean' },
    reason: { type: 'string' },
    message: { type: 'string' },
    required_scopes: strings,
    created_at: { type: 'string' },
    hash: { type: 'string' },
  },
} as const;

export const decisionQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    engine_id: { type: 'string', maxLength: 100 },
    platform: slug,
    action_type: slug,
    allowed: { type: 'boolean' },
    since: isoTime,
    until: isoTime,
    before: { type: 'integer', minimum: 1, description: 'Page backwards: only decisions with seq below this' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
} as const;

export const chainReport = {
  type: 'object',
  required: ['ok', 'checked'],
  properties: {
    ok: { type: 'boolean' },
    checked: { type: 'integer' },
    head: { type: 'string' },
    holds_kept_head: { type: 'boolean', description: 'With ?head=: true when the chain is intact and holds that head (otherwise ok is false and missing_head says why)' },
    first_broken: { type: 'object', properties: { seq: { type: 'integer' }, id: { type: 'string' }, problem: { type: 'string' } } },
    missing_head: { type: 'object', properties: { hash: { type: 'string' }, problem: { type: 'string' } } },
  },
} as const;

export const verifyQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    head: {
      type: 'string',
      pattern: AUDIT_HEAD.source,
      description: 'A head an earlier verify returned, kept outside this database: the answer is not ok unless the chain still holds it, which catches entries removed from its end',
    },
  },
} as const;

export const apiKeyRecord = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', enum: ['admin', 'operator', 'reader'] },
    created_at: { type: 'string' },
    revoked_at: nullableString,
  },
} as const;
