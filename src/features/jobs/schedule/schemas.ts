import { Type } from 'typebox';
import type { Static } from 'typebox';
import { pattern } from '../../../http/schemas/patterns.js';

/**
 * When a job runs: one JSON schema per shape, told apart by `kind`. The schemas check the shape; what they cannot
 * express (cron syntax, a known time zone, an end after the start, a date that exists) is validate.ts's.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const INTERVAL_UNITS = ['minutes', 'hours'] as const;
export type IntervalUnit = (typeof INTERVAL_UNITS)[number];

export const OVERLAP_POLICIES = ['skip', 'buffer_one', 'allow'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** `{ type: 'string', enum }` rather than anyOf, so a wrong value is refused as "must be one of …". */
const stringOf = <T extends string>(values: readonly T[], options: { description?: string; default?: T } = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: values, ...options });

const TIME_OF_DAY = pattern('^([01][0-9]|2[0-3]):[0-5][0-9]$', 'a 24-hour time of day, HH:MM from 00:00 to 23:59');

const timeOfDay = Type.String({
  pattern: TIME_OF_DAY.source,
  description: `The wall-clock time in the schedule's time zone: ${TIME_OF_DAY.words}`,
  examples: ['02:30'],
});

const dateTime = (description: string) =>
  Type.String({
    format: 'date-time',
    description: `${description}. An RFC 3339 time with its offset`,
    examples: ['2030-03-01T09:00:00+01:00'],
  });

const dayOfMonth = Type.Integer({
  minimum: 1,
  maximum: 31,
  description: 'The day of the month, 1 to 31; a month without that day has no run',
});

/** What every repeating shape takes besides its own fields. */
const recurring = {
  timezone: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      default: 'UTC',
      description: 'The IANA time zone its wall-clock times are read in, e.g. Europe/Berlin. `every` counts absolute time and ignores it',
      examples: ['Europe/Berlin'],
    }),
  ),
  start_at: Type.Optional(dateTime('No run before this instant; an `every` interval counts from it')),
  end_at: Type.Optional(dateTime("The job's expiration: no run after this instant; it must be after start_at and in the future")),
};

export const nowSchedule = Type.Object(
  { kind: Type.Literal('now') },
  {
    $id: 'ScheduleNow',
    additionalProperties: false,
    description: 'One run, started when the job is created',
    examples: [{ kind: 'now' }],
  },
);
export type NowSchedule = Static<typeof nowSchedule>;

export const onceSchedule = Type.Object(
  { kind: Type.Literal('once'), at: dateTime('When the one run starts; it must be in the future') },
  {
    $id: 'ScheduleOnce',
    additionalProperties: false,
    description: 'One run at a given instant',
    examples: [{ kind: 'once', at: '2030-03-01T09:00:00+01:00' }],
  },
);
export type OnceSchedule = Static<typeof onceSchedule>;

export const everySchedule = Type.Object(
  {
    kind: Type.Literal('every'),
    every: Type.Integer({ minimum: 1, description: 'How many units between two runs; at most one year in all' }),
    unit: stringOf(INTERVAL_UNITS),
    ...recurring,
  },
  {
    $id: 'ScheduleEvery',
    additionalProperties: false,
    description:
      'A run every N minutes or hours of absolute time, counted from start_at, or without one from 1970-01-01T00:00Z (so every 15 minutes runs at :00, :15, :30, :45 UTC)',
    examples: [{ kind: 'every', every: 6, unit: 'hours', start_at: '2030-03-01T09:00:00+01:00' }],
  },
);
export type EverySchedule = Static<typeof everySchedule>;

export const dailySchedule = Type.Object(
  { kind: Type.Literal('daily'), at: timeOfDay, ...recurring },
  {
    $id: 'ScheduleDaily',
    additionalProperties: false,
    description: 'A run every day at a wall-clock time',
    examples: [{ kind: 'daily', at: '02:30', timezone: 'Europe/Berlin' }],
  },
);
export type DailySchedule = Static<typeof dailySchedule>;

export const weeklySchedule = Type.Object(
  {
    kind: Type.Literal('weekly'),
    days: Type.Array(stringOf(WEEKDAYS), {
      minItems: 1,
      maxItems: 7,
      uniqueItems: true,
      description: 'The days of the week it runs on, each once',
    }),
    at: timeOfDay,
    ...recurring,
  },
  {
    $id: 'ScheduleWeekly',
    additionalProperties: false,
    description: 'A run on some days of the week at a wall-clock time',
    examples: [{ kind: 'weekly', days: ['mon', 'thu'], at: '18:00', timezone: 'America/New_York' }],
  },
);
export type WeeklySchedule = Static<typeof weeklySchedule>;

export const monthlySchedule = Type.Object(
  { kind: Type.Literal('monthly'), day_of_month: dayOfMonth, at: timeOfDay, ...recurring },
  {
    $id: 'ScheduleMonthly',
    additionalProperties: false,
    description: 'A run on one day of every month at a wall-clock time; days 29 to 31 skip the months without them',
    examples: [{ kind: 'monthly', day_of_month: 1, at: '06:00' }],
  },
);
export type MonthlySchedule = Static<typeof monthlySchedule>;

export const yearlySchedule = Type.Object(
  {
    kind: Type.Literal('yearly'),
    month: Type.Integer({ minimum: 1, maximum: 12, description: 'The month, 1 (January) to 12 (December)' }),
    day_of_month: dayOfMonth,
    at: timeOfDay,
    ...recurring,
  },
  {
    $id: 'ScheduleYearly',
    additionalProperties: false,
    description: 'A run once a year on a date at a wall-clock time; 29 February runs in leap years only',
    examples: [{ kind: 'yearly', month: 12, day_of_month: 31, at: '23:00', timezone: 'Asia/Tokyo' }],
  },
);
export type YearlySchedule = Static<typeof yearlySchedule>;

export const cronSchedule = Type.Object(
  {
    kind: Type.Literal('cron'),
    expression: Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        'Five fields: minute hour day-of-month month day-of-week. Each is *, a number, a range a-b, a step */n, a-b/n or a/n, or a list of those; months may be JAN-DEC, days SUN-SAT (0 is Sunday). When both days are restricted, a run needs both to match',
      examples: ['0 12 * * MON-FRI'],
    }),
    ...recurring,
  },
  {
    $id: 'ScheduleCron',
    additionalProperties: false,
    description: 'Runs at the times a cron expression matches, read in the time zone',
    examples: [{ kind: 'cron', expression: '*/15 8-18 * * MON-FRI', timezone: 'Europe/Berlin' }],
  },
);
export type CronSchedule = Static<typeof cronSchedule>;

export type RecurringSchedule = EverySchedule | DailySchedule | WeeklySchedule | MonthlySchedule | YearlySchedule | CronSchedule;
export type JobSchedule = NowSchedule | OnceSchedule | RecurringSchedule;
export type ScheduleKind = JobSchedule['kind'];

/**
 * A job's schedule. `oneOf` with a discriminator: an Ajv built with `discriminator: true` then reports only the
 * errors of the shape that `kind` names, instead of every shape's; without it, the schema validates the same.
 */
export const jobSchedule = Type.Unsafe<JobSchedule>({
  $id: 'JobSchedule',
  oneOf: [nowSchedule, onceSchedule, everySchedule, dailySchedule, weeklySchedule, monthlySchedule, yearlySchedule, cronSchedule],
  discriminator: { propertyName: 'kind' },
  description: 'When the job runs, by `kind`: now, once, every, daily, weekly, monthly, yearly or cron',
});

export const overlapPolicy = stringOf(OVERLAP_POLICIES, {
  default: 'skip',
  description:
    'When a run is due while the last one still runs: skip it, buffer one to start when the last ends, or allow runs side by side',
});
