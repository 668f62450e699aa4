import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../../src/core/errors.js';
import type { FieldProblem } from '../../../../src/core/errors.js';
import type { JobSchedule } from '../../../../src/features/jobs/schedule/schemas.js';
import { validateSchedule } from '../../../../src/features/jobs/schedule/validate.js';

const NOW = new Date('2027-01-15T12:00:00Z');

/** The 400's fields and messages, or a failure if the schedule passes. */
function refused(schedule: JobSchedule, field?: string): FieldProblem[] {
  try {
    validateSchedule(schedule, { now: NOW, ...(field ? { field } : {}) });
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ kind: 'invalid', code: 'VALIDATION_FAILED' });
    return (err as DomainError).details!.fields as FieldProblem[];
  }
  throw new Error(`${JSON.stringify(schedule)} passed`);
}

const warnings = (schedule: JobSchedule): FieldProblem[] => validateSchedule(schedule, { now: NOW });
const cron = (expression: string, timezone = 'UTC'): JobSchedule => ({ kind: 'cron', expression, timezone });

describe('validateSchedule', () => {
  it('passes good schedules of every kind without warnings', () => {
    const good: JobSchedule[] = [
      { kind: 'now' },
      { kind: 'once', at: '2027-01-15T12:00:01Z' },
      { kind: 'every', every: 15, unit: 'minutes' },
      { kind: 'every', every: 8760, unit: 'hours', start_at: '2027-02-01T00:00:00Z' },
      { kind: 'every', every: 7, unit: 'hours', start_at: '2027-02-01T00:00:00+01' },
      { kind: 'daily', at: '12:00', timezone: 'Europe/Berlin' },
      { kind: 'weekly', days: ['mon', 'fri'], at: '18:00', timezone: 'America/New_York' },
      { kind: 'monthly', day_of_month: 28, at: '06:00', timezone: 'Asia/Kolkata' },
      { kind: 'yearly', month: 12, day_of_month: 31, at: '23:00', timezone: 'Asia/Tokyo' },
      { kind: 'daily', at: '12:00', start_at: '2026-01-01T00:00:00Z', end_at: '2027-01-15T12:00:01Z' },
      cron('*/15 8-18 * * MON-FRI'),
      cron('0 0 1 jan,jul *'),
      cron('5,10-20/5 */6 1-7 1/3 *'),
      cron('0 12 * * sun,SAT'),
      cron('0 12 * * 0/2'),
      cron('  0   12 * * *  '),
    ];
    for (const schedule of good) expect(warnings(schedule), JSON.stringify(schedule)).toEqual([]);
  });

  it.each(['UTC', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Calcutta', 'US/Pacific', 'Etc/GMT+5', 'America/Argentina/Buenos_Aires'])(
    'takes the time zone %s',
    (timezone) => {
      expect(warnings({ kind: 'daily', at: '12:00', timezone })).toEqual([]);
    },
  );

  it.each([
    ['Mars/Olympus_Mons', 'is not an IANA time zone such as Europe/Berlin or UTC'],
    ['+01:00', 'is not an IANA time zone such as Europe/Berlin or UTC'],
    ['europe/berlin', 'must be spelt Europe/Berlin: time zone names are case-sensitive'],
    ['utc', 'must be spelt UTC: time zone names are case-sensitive'],
    ['us/pacific', 'is not an IANA time zone such as Europe/Berlin or UTC'],
  ])('refuses the time zone %s', (timezone, message) => {
    expect(refused({ kind: 'daily', at: '12:00', timezone })).toEqual([{ field: 'body.schedule.timezone', message }]);
  });

  describe('cron', () => {
    it('refuses a cron with 7 fields where 5 are expected, and says so', () => {
      expect(refused(cron('0 0 12 * * ? 2027'))).toEqual([
        {
          field: 'body.schedule.expression',
          message: 'has 7 fields where 5 are expected (minute hour day-of-month month day-of-week)',
        },
      ]);
    });

    it.each([
      ['* * * *', 'has 4 fields where 5 are expected (minute hour day-of-month month day-of-week)'],
      ['@daily', 'has 1 field where 5 are expected (minute hour day-of-month month day-of-week)'],
      ['60 * * * *', 'field 1 (minute): 60 is out of range 0-59'],
      ['* 24 * * *', 'field 2 (hour): 24 is out of range 0-23'],
      ['* * 0 * *', 'field 3 (day-of-month): 0 is out of range 1-31'],
      ['* * * 13 *', 'field 4 (month): 13 is out of range 1-12'],
      ['* * * * 7', 'field 5 (day-of-week): 7 is out of range 0-6 (0 or SUN is Sunday)'],
      ['* * * FOO *', 'field 4 (month): "FOO" is not a number or a name (JAN-DEC)'],
      ['* * * * MONDAY', 'field 5 (day-of-week): "MONDAY" is not a number or a name (SUN-SAT)'],
      ['x * * * *', 'field 1 (minute): "x" is not a number'],
      ['*/0 * * * *', 'field 1 (minute): the step in "*/0" must be a number from 1 to 59'],
      ['*/60 * * * *', 'field 1 (minute): the step in "*/60" must be a number from 1 to 59'],
      ['1/2/3 * * * *', 'field 1 (minute): "1/2/3" is not a value, range or step'],
      ['5-3 * * * *', 'field 1 (minute): the range "5-3" runs backwards'],
      ['1-2-3 * * * *', 'field 1 (minute): "1-2-3" is not a range a-b'],
      ['1,,2 * * * *', 'field 1 (minute): "" is not a value, range or step'],
      ['* * ? * *', 'field 3 (day-of-month): "?" is not a number'],
      ['* * L * *', 'field 3 (day-of-month): "L" is not a number'],
      ['* * * * 5#3', 'field 5 (day-of-week): "5#3" is not a number or a name (SUN-SAT)'],
      ['-1 * * * *', 'field 1 (minute): "" is not a number'],
    ])('refuses %s', (expression, message) => {
      expect(refused(cron(expression))).toEqual([{ field: 'body.schedule.expression', message }]);
    });

    it('names every bad field at once', () => {
      expect(refused(cron('61 25 * * *')).map((p) => p.message)).toEqual([
        'field 1 (minute): 61 is out of range 0-59',
        'field 2 (hour): 25 is out of range 0-23',
      ]);
    });

    it('refuses a date that never exists', () => {
      expect(refused(cron('0 0 30 2 *'))).toEqual([
        {
          field: 'body.schedule.expression',
          message: 'names no date that exists (its day-of-month is in none of its months): it would never run',
        },
      ]);
      expect(refused(cron('0 0 31 4,6,9,11 *'))).toHaveLength(1);
    });

    it('warns of days some months skip', () => {
      expect(warnings(cron('0 0 31 * *'))).toEqual([
        {
          field: 'body.schedule.expression',
          message: 'day 31 is skipped in February, April, June, September and November: no run then',
        },
      ]);
    });

    it('warns that both day fields must match, unlike classic cron', () => {
      expect(warnings(cron('0 12 13 * FRI'))).toEqual([
        {
          field: 'body.schedule.expression',
          message:
            'restricts both day-of-month and day-of-week: Temporal runs only on days that match both, where classic cron runs on days that match either',
        },
      ]);
    });

    it('warns of its times that a clock change skips', () => {
      expect(warnings(cron('*/20 1-3 * * *', 'Europe/Berlin')).map((w) => w.message)).toEqual([
        'Europe/Berlin jumps from 02:00 to 03:00 when clocks go forward (next on 2027-03-28): a run due in between does not happen that day',
        'Europe/Berlin repeats 02:00 to 03:00 when clocks go back (next on 2027-10-31): a run due in between happens once that day, at the second of the two, and another due in that hour may come an hour late',
      ]);
    });
  });

  describe('start and end', () => {
    it('refuses an end before or at the start', () => {
      const schedule: JobSchedule = { kind: 'daily', at: '12:00', start_at: '2027-03-01T00:00:00Z', end_at: '2027-03-01T01:00:00+01:00' };
      expect(refused(schedule)).toEqual([{ field: 'body.schedule.end_at', message: 'must be after body.schedule.start_at' }]);
    });

    it('refuses an end in the past, when the job would never run', () => {
      expect(refused({ kind: 'every', every: 1, unit: 'hours', end_at: '2027-01-15T12:00:00Z' })).toEqual([
        { field: 'body.schedule.end_at', message: 'must be in the future' },
      ]);
    });

    it('refuses a "once" in the past', () => {
      expect(refused({ kind: 'once', at: '2027-01-15T13:00:00+01:00' })).toEqual([
        { field: 'body.schedule.at', message: 'must be in the future' },
      ]);
    });

    it('names the fields where the caller says the schedule is', () => {
      expect(refused({ kind: 'once', at: '2020-01-01T00:00:00Z' }, 'body.jobs.0.schedule')).toEqual([
        { field: 'body.jobs.0.schedule.at', message: 'must be in the future' },
      ]);
    });
  });

  describe('every', () => {
    it('refuses an interval over a year', () => {
      expect(refused({ kind: 'every', every: 8761, unit: 'hours' })).toEqual([
        { field: 'body.schedule.every', message: 'must be at most 8760 hours (a year)' },
      ]);
      expect(refused({ kind: 'every', every: 525_601, unit: 'minutes', start_at: '2027-02-01T00:00:00Z' })).toEqual([
        { field: 'body.schedule.every', message: 'must be at most 525600 minutes (a year)' },
      ]);
    });

    it('warns that a time zone does not move it, and that without a start it counts from the epoch', () => {
      expect(warnings({ kind: 'every', every: 7, unit: 'hours', timezone: 'Europe/Berlin' })).toEqual([
        { field: 'body.schedule.timezone', message: 'does not move an interval: `every` counts absolute time' },
        {
          field: 'body.schedule.start_at',
          message:
            "is not set, so the runs fall every 7 hours counted from 1970-01-01T00:00Z, not from the job's creation; set it to choose the first run",
        },
      ]);
    });
  });

  describe('days of the month', () => {
    it('refuses a yearly date that never exists', () => {
      expect(refused({ kind: 'yearly', month: 2, day_of_month: 30, at: '12:00' })).toEqual([
        { field: 'body.schedule.day_of_month', message: 'February has no day 30: the job would never run' },
      ]);
      expect(refused({ kind: 'yearly', month: 4, day_of_month: 31, at: '12:00' })).toEqual([
        { field: 'body.schedule.day_of_month', message: 'April has no day 31: the job would never run' },
      ]);
    });

    it('warns that 29 February comes in leap years only', () => {
      expect(warnings({ kind: 'yearly', month: 2, day_of_month: 29, at: '12:00' })).toEqual([
        { field: 'body.schedule.day_of_month', message: 'day 29 of February comes in leap years only: no run then' },
      ]);
    });

    it.each([
      [29, 'day 29 of February comes in leap years only: no run then'],
      [30, 'day 30 is skipped in February: no run then'],
      [31, 'day 31 is skipped in February, April, June, September and November: no run then'],
    ])('warns that monthly day %i skips the months without it', (day, message) => {
      expect(warnings({ kind: 'monthly', day_of_month: day, at: '12:00' })).toEqual([{ field: 'body.schedule.day_of_month', message }]);
    });
  });

  describe('clock changes', () => {
    it('warn only within start_at and end_at', () => {
      const schedule: JobSchedule = { kind: 'daily', at: '02:30', timezone: 'Europe/Berlin', end_at: '2027-03-27T00:00:00Z' };
      expect(warnings(schedule)).toEqual([]);
      expect(warnings({ ...schedule, end_at: '2027-03-29T00:00:00Z' })).toHaveLength(1);
    });

    it('name the next change after the start', () => {
      const schedule: JobSchedule = {
        kind: 'weekly',
        days: ['sun'],
        at: '01:15',
        timezone: 'America/New_York',
        start_at: '2028-01-01T00:00:00Z',
      };
      expect(warnings(schedule)).toEqual([
        {
          field: 'body.schedule.at',
          message:
            'America/New_York repeats 01:00 to 02:00 when clocks go back (next on 2028-11-05): a run due in between happens twice that day',
        },
      ]);
    });

    it('say nothing of a time outside the changing hour, or of a zone without changes', () => {
      expect(warnings({ kind: 'daily', at: '03:00', timezone: 'Europe/Berlin' })).toEqual([]);
      expect(warnings({ kind: 'daily', at: '02:30', timezone: 'Asia/Tokyo' })).toEqual([]);
    });
  });

  it('names every bad field in one 400', () => {
    const schedule: JobSchedule = {
      kind: 'cron',
      expression: '* * * * * *',
      timezone: 'Nowhere/Special',
      start_at: '2027-06-01T00:00:00Z',
      end_at: '2027-05-01T00:00:00Z',
    };
    expect(refused(schedule).map((p) => p.field)).toEqual(['body.schedule.timezone', 'body.schedule.end_at', 'body.schedule.expression']);
  });
});
