import { MONTHS, ScheduleOverlapPolicy } from '@temporalio/client';
import type { CalendarSpec, DayOfWeek, ScheduleSpec } from '@temporalio/client';
import { utcTime } from '../../../core/time.js';
import { WEEKDAYS } from './schemas.js';
import type { JobSchedule, OverlapPolicy, RecurringSchedule, Weekday } from './schemas.js';

const UNIT_SECONDS = { minutes: 60, hours: 3600 } as const;

const DAY_OF_WEEK: Record<Weekday, DayOfWeek> = {
  mon: 'MONDAY',
  tue: 'TUESDAY',
  wed: 'WEDNESDAY',
  thu: 'THURSDAY',
  fri: 'FRIDAY',
  sat: 'SATURDAY',
  sun: 'SUNDAY',
};

const OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  buffer_one: ScheduleOverlapPolicy.BUFFER_ONE,
  allow: ScheduleOverlapPolicy.ALLOW_ALL,
};

/** Every RFC 3339 form the schema admits, which `Date.parse` does not all read (an offset of hours only). */
const instant = (field: string, rfc3339: string): number => Date.parse(utcTime(field, rfc3339));

/** Temporal matches times to the second: a start within a second would let a run fall just before it. */
const wholeSecondsFrom = (rfc3339: string): number => Math.ceil(instant('schedule.start_at', rfc3339) / 1000);

const clockTime = (at: string): Pick<CalendarSpec, 'hour' | 'minute'> => ({ hour: Number(at.slice(0, 2)), minute: Number(at.slice(3, 5)) });

/** A calendar's unset fields are Temporal's defaults: second 0, every day, month and day of the week. */
function times(schedule: RecurringSchedule): Pick<ScheduleSpec, 'calendars' | 'intervals' | 'cronExpressions'> {
  switch (schedule.kind) {
    case 'every': {
      const every = schedule.every * UNIT_SECONDS[schedule.unit];
      // Temporal's intervals fall on epoch + n × every + offset: the offset puts the first run on start_at.
      const offset = schedule.start_at === undefined ? 0 : ((wholeSecondsFrom(schedule.start_at) % every) + every) % every;
      return { intervals: [{ every: every * 1000, offset: offset * 1000 }] };
    }
    case 'daily':
      return { calendars: [clockTime(schedule.at)] };
    case 'weekly': {
      const days = WEEKDAYS.filter((day) => schedule.days.includes(day)).map((day) => DAY_OF_WEEK[day]);
      return { calendars: [{ ...clockTime(schedule.at), dayOfWeek: days }] };
    }
    case 'monthly':
      return { calendars: [{ ...clockTime(schedule.at), dayOfMonth: schedule.day_of_month }] };
    case 'yearly':
      return { calendars: [{ ...clockTime(schedule.at), dayOfMonth: schedule.day_of_month, month: MONTHS[schedule.month - 1]! }] };
    case 'cron':
      return { cronExpressions: [schedule.expression.trim()] };
  }
}

/**
 * The Temporal Schedule spec of a repeating schedule; undefined for `now` and `once`, which start their run
 * workflow directly. Temporal reads calendar and cron times in `timezone`; intervals ignore it. start_at and
 * end_at bound the runs, both inclusive.
 */
export function toScheduleSpec(schedule: JobSchedule): ScheduleSpec | undefined {
  if (schedule.kind === 'now' || schedule.kind === 'once') return undefined;
  return {
    ...times(schedule),
    timezone: schedule.timezone ?? 'UTC',
    ...(schedule.start_at === undefined ? {} : { startAt: new Date(wholeSecondsFrom(schedule.start_at) * 1000) }),
    ...(schedule.end_at === undefined ? {} : { endAt: new Date(instant('schedule.end_at', schedule.end_at)) }),
  };
}

export const toOverlapPolicy = (policy: OverlapPolicy): ScheduleOverlapPolicy => OVERLAP[policy];

/** The job's policy a Schedule's overlap policy stands for; undefined for one BorgOS never sets, a Schedule changed outside it. */
export const fromOverlapPolicy = (policy: ScheduleOverlapPolicy): OverlapPolicy | undefined =>
  (Object.keys(OVERLAP) as OverlapPolicy[]).find((key) => OVERLAP[key] === policy);
