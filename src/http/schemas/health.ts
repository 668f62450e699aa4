const check = {
  type: 'object',
  required: ['ok', 'latency_ms'],
  properties: {
    ok: { type: 'boolean' },
    latency_ms: { type: 'number' },
    error: { type: 'string' },
    schema_version: { type: 'integer' },
    namespace: { type: 'string' },
  },
} as const;

export const healthReplySchema = {
  type: 'object',
  required: ['live', 'ready', 'checks'],
  properties: {
    live: { type: 'boolean', description: 'The process answers' },
    ready: { type: 'boolean', description: 'Database and Temporal both answer' },
    failing: { type: 'array', items: { type: 'string' }, description: 'Names of the checks that failed' },
    version: { type: 'string' },
    instance_id: { type: 'string' },
    uptime_s: { type: 'number' },
    checks: {
      type: 'object',
      required: ['database', 'temporal'],
      properties: { database: check, temporal: check },
    },
  },
} as const;

export interface CheckResult {
  ok: boolean;
  latency_ms: number;
  error?: string;
  schema_version?: number;
  namespace?: string;
}
