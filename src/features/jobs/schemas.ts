import { Type } from 'typebox';
import type { Static } from 'typebox';
import { pageQuery } from '../../http/schemas/page.js';
import { pattern } from '../../http/schemas/patterns.js';
import { displayName } from '../../http/schemas/text.js';
import { INTERPRETERS } from './dispatch/job-payload.js';
import { jobSchedule, overlapPolicy } from './schedule/schemas.js';

/** JSON schemas of the job and run routes; they also generate the OpenAPI document. */

export const MAX_SCRIPT_BYTES = 64 * 1024;
export const MAX_TIMEOUT_S = 7 * 86_400;
const MAX_ARGS = 64;
const MAX_ENV = 64;
// Device tags and profiles are spelled as the devices feature spells them (docs/devices.md).
const TAG = pattern(
  '^[a-z0-9][a-z0-9._:-]{0,62}$',
  '1 to 63 lowercase letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
);
const PROFILE = pattern('^[a-z0-9][a-z0-9-]{0,62}$', '1 to 63 lowercase letters, digits or "-", starting with a letter or digit');
const ENV_NAME = pattern('^[A-Za-z_][A-Za-z0-9_]{0,127}$', 'a shell variable name: letters, digits and "_", not starting with a digit');

const stringOf = <T extends string>(values: readonly T[], options: { description?: string } = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: values, ...options });
const orNull = <T>(type: 'string' | 'integer') => Type.Unsafe<T | null>({ type: [type, 'null'] });

export const jobScript = Type.Object(
  {
    interpreter: stringOf(INTERPRETERS, { description: 'What runs the script on the device' }),
    content: Type.String({
      minLength: 1,
      maxLength: MAX_SCRIPT_BYTES,
      description: `The script itself, at most ${MAX_SCRIPT_BYTES} bytes of UTF-8`,
    }),
    args: Type.Array(Type.String({ maxLength: 4096 }), { maxItems: MAX_ARGS, default: [], description: 'Arguments after the script' }),
    env: Type.Record(Type.String({ pattern: ENV_NAME.source }), Type.String({ maxLength: 4096 }), {
      maxProperties: MAX_ENV,
      default: {},
      description: `Environment variables (${ENV_NAME.words}). Not secret: devices receive them signed, not encrypted`,
    }),
  },
  { additionalProperties: false },
);
export type JobScriptBody = Static<typeof jobScript>;

export const jobTargets = Type.Object(
  {
    device_ids: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 10_000, uniqueItems: true })),
    tags: Type.Optional(
      Type.Array(Type.String({ pattern: TAG.source }), { maxItems: 32, uniqueItems: true, description: `Tags: ${TAG.words}` }),
    ),
    profile: Type.Optional(Type.String({ pattern: PROFILE.source, description: `A profile: ${PROFILE.words}` })),
    all: Type.Optional(Type.Boolean({ description: 'Every device; then no other target may be given' })),
  },
  {
    additionalProperties: false,
    description:
      'The devices a run is for: those with any of the ids, any of the tags or the profile; or all. The set is frozen when a run starts',
  },
);

export const jobBody = Type.Object(
  {
    name: displayName,
    script: jobScript,
    targets: jobTargets,
    schedule: jobSchedule,
    enabled: Type.Boolean({ default: true, description: 'A paused job (false) keeps its schedule but starts no run' }),
    timeout_s: Type.Integer({
      minimum: 1,
      maximum: MAX_TIMEOUT_S,
      default: 600,
      description: 'Per device: a device whose result has not come this long after it took the work is timed_out',
    }),
    dispatch_window_s: Type.Integer({
      minimum: 1,
      maximum: MAX_TIMEOUT_S,
      default: 600,
      description: 'A device that has not taken its work this long after the run started is offline',
    }),
    overlap: overlapPolicy,
  },
  { additionalProperties: false },
);
export type JobBody = Static<typeof jobBody>;

export const jobRecord = Type.Object({
  id: Type.String(),
  name: Type.String(),
  script: Type.Object({
    interpreter: Type.String(),
    content: Type.String(),
    args: Type.Array(Type.String()),
    env: Type.Record(Type.String(), Type.String()),
    sha256: Type.String(),
  }),
  targets: jobTargets,
  schedule: jobSchedule,
  enabled: Type.Boolean(),
  timeout_s: Type.Integer(),
  dispatch_window_s: Type.Integer(),
  overlap: Type.String(),
  created_at: Type.String(),
  created_by: Type.String(),
  updated_at: Type.String(),
  schedule_sync: Type.Object(
    {
      state: stringOf(['synced', 'pending'] as const),
      error: Type.Optional(Type.String()),
    },
    { description: 'pending: the schedule in Temporal lags this job (Temporal did not answer); the API brings it in line when it can' },
  ),
  next_runs: Type.Optional(
    Type.Union([Type.Array(Type.String()), Type.Null()], {
      description: 'The next fire times from Temporal (GET /jobs/:id only); null when Temporal could not be asked',
    }),
  ),
  missed_fires: Type.Optional(
    Type.Union([Type.Integer(), Type.Null()], {
      description:
        'Fires Temporal skipped because they came later than BORG_JOB_CATCHUP_WINDOW_S (GET /jobs/:id only); null when Temporal could not be asked',
    }),
  ),
  warnings: Type.Optional(
    Type.Array(Type.String(), { description: 'Legal but surprising: no device matches today, a month without the day …' }),
  ),
});
export type JobRecord = Static<typeof jobRecord>;

export const jobList = Type.Object({ jobs: Type.Array(jobRecord) });
export const jobListQuery = Type.Object(
  { ...pageQuery, enabled: Type.Optional(Type.Boolean({ description: 'Only running (true) or paused (false) jobs' })) },
  { additionalProperties: false },
);

export const DEVICE_RUN_STATUSES = [
  'pending',
  'dispatched',
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'offline',
  'skipped',
  'cancelled',
] as const;

export const runDeviceRecord = Type.Object({
  device_id: Type.String(),
  status: stringOf(DEVICE_RUN_STATUSES),
  reason: orNull<string>('string'),
  exit_code: orNull<number>('integer'),
  signal: orNull<string>('string'),
  stdout: orNull<string>('string'),
  stderr: orNull<string>('string'),
  stdout_truncated: Type.Boolean(),
  stderr_truncated: Type.Boolean(),
  dispatched_at: orNull<string>('string'),
  started_at: orNull<string>('string'),
  finished_at: orNull<string>('string'),
  late_result: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
    description: 'A result that came after the verdict (timed out, offline, cancelled); kept, the verdict unchanged',
  }),
});

export const runRecord = Type.Object({
  id: Type.String({ description: 'The run workflow id: job-<job>-<time>' }),
  job_id: Type.String(),
  job_name: Type.String(),
  trigger: stringOf(['schedule', 'manual', 'once', 'now'] as const),
  status: stringOf(['running', 'finished', 'cancelled'] as const),
  script_sha256: Type.String(),
  timeout_s: Type.Integer(),
  scheduled_at: orNull<string>('string'),
  started_at: Type.String(),
  finished_at: orNull<string>('string'),
  counts: Type.Record(Type.String(), Type.Integer(), { description: 'Devices by status' }),
  devices: Type.Optional(Type.Array(runDeviceRecord, { description: 'Every device of the run (GET /runs/:id only)' })),
});
export type RunRecord = Static<typeof runRecord>;

export const runList = Type.Object({ runs: Type.Array(runRecord) });
export const runListQuery = Type.Object(pageQuery, { additionalProperties: false });
export const runStarted = Type.Object({ run_id: Type.String() });
