import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { ScheduleDescription, ScheduleOptions } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { JobSchedule, OverlapPolicy } from '../../../../src/features/jobs/schedule/schemas.js';
import { fromOverlapPolicy, toOverlapPolicy, toScheduleSpec } from '../../../../src/features/jobs/schedule/temporal-spec.js';
import { validateSchedule } from '../../../../src/features/jobs/schedule/validate.js';

// Every expected instant below is written by hand (checked against Python's zoneinfo), not read back from Temporal.
// Each schedule starts in 2041, so what comes next does not depend on when the test runs for years. The clock
// changes are today's rules: Europe on the last Sundays of March and October, the US on the second Sunday of March
// and the first of November.
const BEFORE_ALL_OF_THEM = new Date('2040-01-01T00:00:00Z');

describe('schedules on a real Temporal', () => {
  let connection: Connection;
  let client: Client;

  beforeAll(async () => {
    connection = await Connection.connect({ address: inject('temporalAddress') });
    client = new Client({ connection });
  });
  afterAll(async () => {
    await connection?.close();
  });

  /** Creates the job's Schedule paused, with a workflow nobody runs, and describes it before deleting it. */
  async function described(schedule: JobSchedule, overlap: OverlapPolicy = 'skip'): Promise<ScheduleDescription> {
    const options: ScheduleOptions = {
      scheduleId: `schedule-test-${randomUUID()}`,
      spec: toScheduleSpec(schedule)!,
      action: { type: 'startWorkflow', workflowType: 'scheduleTestNeverRuns', taskQueue: 'schedule-test-nobody-polls' },
      policies: { overlap: toOverlapPolicy(overlap) },
      state: { paused: true },
    };
    const handle = await client.schedule.create(options);
    try {
      return await handle.describe();
    } finally {
      await handle.delete();
    }
  }

  const nextTimes = async (schedule: JobSchedule): Promise<string[]> =>
    (await described(schedule)).info.nextActionTimes.map((t) => t.toISOString());

  it('runs `every` on start_at and every interval after it, up to end_at inclusive', async () => {
    const schedule: JobSchedule = {
      kind: 'every',
      every: 90,
      unit: 'minutes',
      start_at: '2041-01-01T00:20:00Z',
      end_at: '2041-01-01T06:20:00Z',
    };
    expect(await nextTimes(schedule)).toEqual([
      '2041-01-01T00:20:00.000Z',
      '2041-01-01T01:50:00.000Z',
      '2041-01-01T03:20:00.000Z',
      '2041-01-01T04:50:00.000Z',
      '2041-01-01T06:20:00.000Z',
    ]);
  });

  it('counts `every` in absolute time: across a clock change, 12 hours stay 12 hours and the wall clock moves', async () => {
    const schedule: JobSchedule = {
      kind: 'every',
      every: 12,
      unit: 'hours',
      timezone: 'Europe/Berlin',
      start_at: '2041-03-30T00:00:00+01:00',
      end_at: '2041-03-31T11:00:00Z',
    };
    // 00:00 and 12:00 in Berlin until the clocks go forward on the 31st, then 13:00.
    expect(await nextTimes(schedule)).toEqual([
      '2041-03-29T23:00:00.000Z',
      '2041-03-30T11:00:00.000Z',
      '2041-03-30T23:00:00.000Z',
      '2041-03-31T11:00:00.000Z',
    ]);
  });

  it('runs daily between start_at and end_at, both inclusive', async () => {
    const schedule: JobSchedule = { kind: 'daily', at: '12:00', start_at: '2041-01-01T12:00:00Z', end_at: '2041-01-03T12:00:00Z' };
    expect(await nextTimes(schedule)).toEqual(['2041-01-01T12:00:00.000Z', '2041-01-02T12:00:00.000Z', '2041-01-03T12:00:00.000Z']);
  });

  describe('daily across daylight saving time', () => {
    it('Europe/Berlin at 02:30 has no run on the last Sunday of March, when 02:00 jumps to 03:00', async () => {
      const schedule: JobSchedule = {
        kind: 'daily',
        at: '02:30',
        timezone: 'Europe/Berlin',
        start_at: '2041-03-28T00:00:00+01:00',
        end_at: '2041-04-03T12:00:00+02:00',
      };
      expect(await nextTimes(schedule)).toEqual([
        '2041-03-28T01:30:00.000Z',
        '2041-03-29T01:30:00.000Z',
        '2041-03-30T01:30:00.000Z',
        // 2041-03-31: none
        '2041-04-01T00:30:00.000Z',
        '2041-04-02T00:30:00.000Z',
        '2041-04-03T00:30:00.000Z',
      ]);
      expect(validateSchedule(schedule, { now: BEFORE_ALL_OF_THEM })).toEqual([
        {
          field: 'body.schedule.at',
          message:
            'Europe/Berlin jumps from 02:00 to 03:00 when clocks go forward (next on 2041-03-31): a run due in between does not happen that day',
        },
      ]);
    });

    // East of UTC, Temporal takes a time the clocks go back over only at its second occurrence: Go's time.Date
    // resolves an ambiguous wall time there to the later instant, and Temporal never looks for the earlier one.
    it('Europe/Berlin at 02:30 runs once on the last Sunday of October, at the second 02:30', async () => {
      const schedule: JobSchedule = {
        kind: 'daily',
        at: '02:30',
        timezone: 'Europe/Berlin',
        start_at: '2041-10-25T00:00:00+02:00',
        end_at: '2041-10-29T12:00:00+01:00',
      };
      expect(await nextTimes(schedule)).toEqual([
        '2041-10-25T00:30:00.000Z',
        '2041-10-26T00:30:00.000Z',
        // 2041-10-27: not 00:30Z (02:30 summer time), only 01:30Z (02:30 winter time)
        '2041-10-27T01:30:00.000Z',
        '2041-10-28T01:30:00.000Z',
        '2041-10-29T01:30:00.000Z',
      ]);
      expect(validateSchedule(schedule, { now: BEFORE_ALL_OF_THEM })).toEqual([
        {
          field: 'body.schedule.at',
          message:
            'Europe/Berlin repeats 02:00 to 03:00 when clocks go back (next on 2041-10-27): a run due in between happens once that day, at the second of the two, and another due in that hour may come an hour late',
        },
      ]);
    });

    it('Europe/Berlin at 02:00 and 02:30 on that Sunday: the first at the second 02:00, the other an hour late, at 03:30', async () => {
      const schedule: JobSchedule = {
        kind: 'cron',
        expression: '0,30 2 * * *',
        timezone: 'Europe/Berlin',
        start_at: '2041-10-27T01:00:00+02:00',
        end_at: '2041-10-27T05:00:00+01:00',
      };
      // What the expression says: 00:00Z, 00:30Z (summer time), 01:00Z, 01:30Z (winter time).
      expect(await nextTimes(schedule)).toEqual(['2041-10-27T01:00:00.000Z', '2041-10-27T02:30:00.000Z']);
    });

    it('America/New_York at 01:30 runs twice on the first Sunday of November', async () => {
      const schedule: JobSchedule = {
        kind: 'daily',
        at: '01:30',
        timezone: 'America/New_York',
        start_at: '2041-11-01T00:00:00-04:00',
        end_at: '2041-11-05T12:00:00-05:00',
      };
      expect(await nextTimes(schedule)).toEqual([
        '2041-11-01T05:30:00.000Z',
        '2041-11-02T05:30:00.000Z',
        '2041-11-03T05:30:00.000Z',
        '2041-11-03T06:30:00.000Z',
        '2041-11-04T06:30:00.000Z',
        '2041-11-05T06:30:00.000Z',
      ]);
      expect(validateSchedule(schedule, { now: BEFORE_ALL_OF_THEM })).toEqual([
        {
          field: 'body.schedule.at',
          message:
            'America/New_York repeats 01:00 to 02:00 when clocks go back (next on 2041-11-03): a run due in between happens twice that day',
        },
      ]);
    });

    it('America/New_York at 02:30 has no run on the second Sunday of March', async () => {
      const schedule: JobSchedule = {
        kind: 'daily',
        at: '02:30',
        timezone: 'America/New_York',
        start_at: '2041-03-08T00:00:00-05:00',
        end_at: '2041-03-14T12:00:00-04:00',
      };
      expect(await nextTimes(schedule)).toEqual([
        '2041-03-08T07:30:00.000Z',
        '2041-03-09T07:30:00.000Z',
        // 2041-03-10: none
        '2041-03-11T06:30:00.000Z',
        '2041-03-12T06:30:00.000Z',
        '2041-03-13T06:30:00.000Z',
        '2041-03-14T06:30:00.000Z',
      ]);
    });
  });

  it('runs weekly on its days at the wall-clock time, which moves in UTC when New York changes its clocks', async () => {
    const schedule: JobSchedule = {
      kind: 'weekly',
      days: ['thu', 'mon'],
      at: '18:00',
      timezone: 'America/New_York',
      start_at: '2041-03-01T00:00:00-05:00',
    };
    expect(await nextTimes(schedule)).toEqual([
      '2041-03-04T23:00:00.000Z',
      '2041-03-07T23:00:00.000Z',
      '2041-03-11T22:00:00.000Z',
      '2041-03-14T22:00:00.000Z',
      '2041-03-18T22:00:00.000Z',
      '2041-03-21T22:00:00.000Z',
      '2041-03-25T22:00:00.000Z',
      '2041-03-28T22:00:00.000Z',
      '2041-04-01T22:00:00.000Z',
      '2041-04-04T22:00:00.000Z',
    ]);
  });

  it('runs monthly on day 31 only in the months that have one', async () => {
    const schedule: JobSchedule = { kind: 'monthly', day_of_month: 31, at: '06:00', start_at: '2041-01-01T00:00:00Z' };
    expect(await nextTimes(schedule)).toEqual([
      '2041-01-31T06:00:00.000Z',
      '2041-03-31T06:00:00.000Z',
      '2041-05-31T06:00:00.000Z',
      '2041-07-31T06:00:00.000Z',
      '2041-08-31T06:00:00.000Z',
      '2041-10-31T06:00:00.000Z',
      '2041-12-31T06:00:00.000Z',
      '2042-01-31T06:00:00.000Z',
      '2042-03-31T06:00:00.000Z',
      '2042-05-31T06:00:00.000Z',
    ]);
  });

  it('runs yearly on 29 February only in leap years', async () => {
    const schedule: JobSchedule = {
      kind: 'yearly',
      month: 2,
      day_of_month: 29,
      at: '12:00',
      timezone: 'Asia/Tokyo',
      start_at: '2041-01-01T00:00:00Z',
    };
    expect(await nextTimes(schedule)).toEqual(
      [2044, 2048, 2052, 2056, 2060, 2064, 2068, 2072, 2076, 2080].map((year) => `${year}-02-29T03:00:00.000Z`),
    );
  });

  it('runs a cron in its time zone, with the same DST gap as a calendar', async () => {
    const schedule: JobSchedule = {
      kind: 'cron',
      expression: '30 2 * * SUN',
      timezone: 'Europe/Berlin',
      start_at: '2041-03-17T00:00:00+01:00',
      end_at: '2041-04-21T12:00:00+02:00',
    };
    expect(await nextTimes(schedule)).toEqual([
      '2041-03-17T01:30:00.000Z',
      '2041-03-24T01:30:00.000Z',
      // 2041-03-31: none
      '2041-04-07T00:30:00.000Z',
      '2041-04-14T00:30:00.000Z',
      '2041-04-21T00:30:00.000Z',
    ]);
  });

  it('runs a cron that restricts both day fields only on days matching both: Friday the 13th', async () => {
    const schedule: JobSchedule = { kind: 'cron', expression: '0 12 13 * FRI', start_at: '2041-01-01T00:00:00Z' };
    expect(await nextTimes(schedule)).toEqual([
      '2041-09-13T12:00:00.000Z',
      '2041-12-13T12:00:00.000Z',
      '2042-06-13T12:00:00.000Z',
      '2043-02-13T12:00:00.000Z',
      '2043-03-13T12:00:00.000Z',
      '2043-11-13T12:00:00.000Z',
      '2044-05-13T12:00:00.000Z',
      '2045-01-13T12:00:00.000Z',
      '2045-10-13T12:00:00.000Z',
      '2046-04-13T12:00:00.000Z',
    ]);
  });

  it('keeps the overlap policy, and reads it back', async () => {
    for (const overlap of ['skip', 'buffer_one', 'allow'] as const) {
      const description = await described({ kind: 'daily', at: '12:00', start_at: '2041-01-01T00:00:00Z' }, overlap);
      expect(fromOverlapPolicy(description.policies.overlap)).toBe(overlap);
    }
  });

  it('refuses a time zone in the wrong case, which Node would accept: why validation checks the case', async () => {
    const spec = { calendars: [{ hour: 12 }], timezone: 'europe/berlin' };
    await expect(
      client.schedule.create({
        scheduleId: `schedule-test-${randomUUID()}`,
        spec,
        action: { type: 'startWorkflow', workflowType: 'scheduleTestNeverRuns', taskQueue: 'schedule-test-nobody-polls' },
        state: { paused: true },
      }),
    ).rejects.toThrow(/unknown time zone/);
  });
});
