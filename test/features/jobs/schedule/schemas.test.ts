import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  cronSchedule,
  dailySchedule,
  everySchedule,
  jobSchedule,
  monthlySchedule,
  nowSchedule,
  onceSchedule,
  weeklySchedule,
  yearlySchedule,
} from '../../../../src/features/jobs/schedule/schemas.js';

// As the API validates bodies (src/http/plugins/validation.ts), with the discriminator on.
const ajv = addFormats.default(new Ajv({ allErrors: true, useDefaults: true, strict: false, coerceTypes: false, discriminator: true }));
const check = ajv.compile<{ schedule: unknown }>({
  type: 'object',
  properties: { schedule: jobSchedule },
  required: ['schedule'],
});

/** The problems Ajv finds, as "path keyword": an empty list when the schedule passes. */
function problems(schedule: unknown): string[] {
  check({ schedule });
  return (check.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`);
}

const SHAPES = [nowSchedule, onceSchedule, everySchedule, dailySchedule, weeklySchedule, monthlySchedule, yearlySchedule, cronSchedule];

describe('the schedule schemas', () => {
  it('pass every example they show', () => {
    for (const shape of SHAPES) {
      for (const example of Reflect.get(shape, 'examples') as unknown[]) expect(problems(example), JSON.stringify(example)).toEqual([]);
    }
  });

  it('fill in the UTC time zone of a repeating schedule', () => {
    const body = { schedule: { kind: 'daily', at: '09:00' } };
    check(body);
    expect(body.schedule).toEqual({ kind: 'daily', at: '09:00', timezone: 'UTC' });
  });

  it('take start_at and end_at with any RFC 3339 offset', () => {
    expect(
      problems({ kind: 'cron', expression: '0 * * * *', start_at: '2027-01-01T00:00:00Z', end_at: '2027-02-01T00:00:00-05:00' }),
    ).toEqual([]);
  });

  it.each([
    [{ kind: 'hourly' }, '/schedule discriminator'],
    [{ kind: 'now', at: '2027-01-01T00:00:00Z' }, '/schedule additionalProperties'],
    [{ kind: 'once' }, '/schedule required'],
    [{ kind: 'once', at: '2027-01-01T00:00:00' }, '/schedule/at format'],
    [{ kind: 'every', every: 0, unit: 'hours' }, '/schedule/every minimum'],
    [{ kind: 'every', every: 1.5, unit: 'hours' }, '/schedule/every type'],
    [{ kind: 'every', every: 1, unit: 'days' }, '/schedule/unit enum'],
    [{ kind: 'daily', at: '24:00' }, '/schedule/at pattern'],
    [{ kind: 'daily', at: '9:00' }, '/schedule/at pattern'],
    [{ kind: 'daily', at: '09:00', timezone: '' }, '/schedule/timezone minLength'],
    [{ kind: 'daily', at: '09:00', start_at: 'tomorrow' }, '/schedule/start_at format'],
    [{ kind: 'daily', at: '09:00', jitter: 5 }, '/schedule additionalProperties'],
    [{ kind: 'weekly', days: [], at: '09:00' }, '/schedule/days minItems'],
    [{ kind: 'weekly', days: ['mon', 'mon'], at: '09:00' }, '/schedule/days uniqueItems'],
    [{ kind: 'weekly', days: ['monday'], at: '09:00' }, '/schedule/days/0 enum'],
    [{ kind: 'monthly', day_of_month: 32, at: '09:00' }, '/schedule/day_of_month maximum'],
    [{ kind: 'monthly', day_of_month: 0, at: '09:00' }, '/schedule/day_of_month minimum'],
    [{ kind: 'yearly', month: 13, day_of_month: 1, at: '09:00' }, '/schedule/month maximum'],
    [{ kind: 'cron', expression: '' }, '/schedule/expression minLength'],
  ])('refuse %j at %s', (schedule, problem) => {
    expect(problems(schedule)).toEqual([problem]);
  });
});
