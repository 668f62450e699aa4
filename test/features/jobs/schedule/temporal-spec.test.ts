import { ScheduleOverlapPolicy } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { fromOverlapPolicy, toOverlapPolicy, toScheduleSpec } from '../../../../src/features/jobs/schedule/temporal-spec.js';

describe('toScheduleSpec', () => {
  it('gives no spec for the kinds that start their run directly', () => {
    expect(toScheduleSpec({ kind: 'now' })).toBeUndefined();
    expect(toScheduleSpec({ kind: 'once', at: '2027-01-01T00:00:00Z' })).toBeUndefined();
  });

  it('maps each wall-clock kind to one calendar, in its time zone', () => {
    expect(toScheduleSpec({ kind: 'daily', at: '02:30', timezone: 'Europe/Berlin' })).toEqual({
      calendars: [{ hour: 2, minute: 30 }],
      timezone: 'Europe/Berlin',
    });
    expect(toScheduleSpec({ kind: 'weekly', days: ['sun', 'mon', 'fri'], at: '18:05' })).toEqual({
      calendars: [{ hour: 18, minute: 5, dayOfWeek: ['MONDAY', 'FRIDAY', 'SUNDAY'] }],
      timezone: 'UTC',
    });
    expect(toScheduleSpec({ kind: 'monthly', day_of_month: 31, at: '00:00' })).toEqual({
      calendars: [{ hour: 0, minute: 0, dayOfMonth: 31 }],
      timezone: 'UTC',
    });
    expect(toScheduleSpec({ kind: 'yearly', month: 2, day_of_month: 29, at: '23:59', timezone: 'Asia/Tokyo' })).toEqual({
      calendars: [{ hour: 23, minute: 59, dayOfMonth: 29, month: 'FEBRUARY' }],
      timezone: 'Asia/Tokyo',
    });
  });

  it('passes a cron expression on as it is', () => {
    expect(toScheduleSpec({ kind: 'cron', expression: ' 0 12 * * MON-FRI ', timezone: 'UTC' })).toEqual({
      cronExpressions: ['0 12 * * MON-FRI'],
      timezone: 'UTC',
    });
  });

  it('bounds the runs with start_at and end_at, the start rounded up to a whole second', () => {
    expect(
      toScheduleSpec({ kind: 'daily', at: '12:00', start_at: '2027-01-01T12:00:00.250+01:00', end_at: '2027-02-01T00:00:00+01' }),
    ).toMatchObject({ startAt: new Date('2027-01-01T11:00:01Z'), endAt: new Date('2027-01-31T23:00:00Z') });
  });

  it('counts an interval from the epoch without a start, and puts its first run on start_at with one', () => {
    expect(toScheduleSpec({ kind: 'every', every: 15, unit: 'minutes' })).toEqual({
      intervals: [{ every: 15 * 60_000, offset: 0 }],
      timezone: 'UTC',
    });
    // 2027-01-01T00:20Z is 1_798_762_800 s after the epoch; 1_798_762_800 mod 5400 = 1200 s.
    expect(toScheduleSpec({ kind: 'every', every: 90, unit: 'minutes', start_at: '2027-01-01T00:20:00Z' })).toMatchObject({
      intervals: [{ every: 90 * 60_000, offset: 1_200_000 }],
    });
    expect(toScheduleSpec({ kind: 'every', every: 6, unit: 'hours', start_at: '1969-12-31T23:00:00Z' })).toMatchObject({
      intervals: [{ every: 6 * 3_600_000, offset: 5 * 3_600_000 }],
    });
  });
});

describe('overlap policies', () => {
  it('map to Temporal and back', () => {
    expect(toOverlapPolicy('skip')).toBe(ScheduleOverlapPolicy.SKIP);
    expect(toOverlapPolicy('buffer_one')).toBe(ScheduleOverlapPolicy.BUFFER_ONE);
    expect(toOverlapPolicy('allow')).toBe(ScheduleOverlapPolicy.ALLOW_ALL);
    for (const policy of ['skip', 'buffer_one', 'allow'] as const) expect(fromOverlapPolicy(toOverlapPolicy(policy))).toBe(policy);
  });

  it('stand for no job policy when the Schedule has one BorgOS never sets', () => {
    expect(fromOverlapPolicy(ScheduleOverlapPolicy.CANCEL_OTHER)).toBeUndefined();
  });
});
