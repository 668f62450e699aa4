import { invalidFields } from '../../../core/errors.js';
import type { FieldProblem } from '../../../core/errors.js';
import { utcTime } from '../../../core/time.js';
import { dayCoverage, MONTH_NAMES } from './calendar-days.js';
import { clockChangeWarnings } from './clock-changes.js';
import { parseCron } from './cron.js';
import type { JobSchedule, RecurringSchedule } from './schemas.js';
import { timeZoneProblem } from './time-zones.js';

const MINUTES_A_DAY = 24 * 60;
const MAX_INTERVAL_MINUTES = 365 * MINUTES_A_DAY;
const UNIT_MINUTES = { minutes: 1, hours: 60 } as const;
const ALL_MONTHS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
/** How far ahead clock changes are looked for: one of each kind comes within a year. */
const CLOCK_CHANGE_HORIZON_MS = 366 * MINUTES_A_DAY * 60_000;

export interface ScheduleCheckOptions {
  /** Where the schedule sits in the request, to name its fields; `body.schedule` unless told. */
  field?: string;
  /** The present, for the times that must be after it. */
  now?: Date;
}

/** A schedule's problems by field: the errors end in one 400, the warnings go back to the caller. */
class Findings {
  readonly errors: FieldProblem[] = [];
  readonly warnings: FieldProblem[] = [];

  constructor(private readonly prefix: string) {}

  field(name: string): string {
    return `${this.prefix}.${name}`;
  }

  error(name: string, message: string): void {
    this.errors.push({ field: this.field(name), message });
  }

  warn(name: string, message: string): void {
    this.warnings.push({ field: this.field(name), message });
  }
}

/**
 * The checks a JSON schema cannot make, on a schedule the schema has passed. Throws a 400 VALIDATION_FAILED naming
 * every bad field; returns the warnings: what is legal but may surprise, such as day 31 skipping April.
 */
export function validateSchedule(schedule: JobSchedule, options: ScheduleCheckOptions = {}): FieldProblem[] {
  const findings = new Findings(options.field ?? 'body.schedule');
  const now = (options.now ?? new Date()).getTime();
  if (schedule.kind === 'once') {
    if (instant(findings, 'at', schedule.at) <= now) findings.error('at', 'must be in the future');
  } else if (schedule.kind !== 'now') {
    checkRecurring(schedule, findings, now);
  }
  if (findings.errors.length > 0) throw invalidFields(findings.errors);
  return findings.warnings;
}

const instant = (findings: Findings, name: string, value: string): number => Date.parse(utcTime(findings.field(name), value));

function checkRecurring(schedule: RecurringSchedule, findings: Findings, now: number): void {
  const timezone = schedule.timezone ?? 'UTC';
  const zoneProblem = timeZoneProblem(timezone);
  if (zoneProblem) findings.error('timezone', zoneProblem);
  const start = schedule.start_at === undefined ? undefined : instant(findings, 'start_at', schedule.start_at);
  const end = schedule.end_at === undefined ? undefined : instant(findings, 'end_at', schedule.end_at);
  if (end !== undefined && start !== undefined && end <= start) findings.error('end_at', `must be after ${findings.field('start_at')}`);
  else if (end !== undefined && end <= now) findings.error('end_at', 'must be in the future');

  const wallClock = checkTimes(schedule, findings, start);
  if (wallClock && !zoneProblem) {
    const from = Math.max(now, start ?? now);
    const until = Math.min(from + CLOCK_CHANGE_HORIZON_MS, end ?? Infinity);
    for (const warning of clockChangeWarnings(timezone, wallClock.minutesOfDay, from, until)) findings.warn(wallClock.field, warning);
  }
}

const minuteOfDay = (at: string): number => Number(at.slice(0, 2)) * 60 + Number(at.slice(3, 5));

/** Each kind's own checks; for a wall-clock kind, the minutes of the day it runs at and the field that says them. */
function checkTimes(
  schedule: RecurringSchedule,
  findings: Findings,
  start: number | undefined,
): { field: string; minutesOfDay: number[] } | undefined {
  switch (schedule.kind) {
    case 'every':
      checkInterval(schedule.every, schedule.unit, schedule.timezone, start, findings);
      return undefined;
    case 'daily':
    case 'weekly':
      return { field: 'at', minutesOfDay: [minuteOfDay(schedule.at)] };
    case 'monthly':
      checkDay(schedule.day_of_month, undefined, findings);
      return { field: 'at', minutesOfDay: [minuteOfDay(schedule.at)] };
    case 'yearly':
      checkDay(schedule.day_of_month, schedule.month, findings);
      return { field: 'at', minutesOfDay: [minuteOfDay(schedule.at)] };
    case 'cron':
      return checkCron(schedule.expression, findings);
  }
}

function checkInterval(
  every: number,
  unit: keyof typeof UNIT_MINUTES,
  timezone: string | undefined,
  start: number | undefined,
  findings: Findings,
): void {
  const minutes = every * UNIT_MINUTES[unit];
  if (minutes > MAX_INTERVAL_MINUTES)
    findings.error('every', `must be at most ${MAX_INTERVAL_MINUTES / UNIT_MINUTES[unit]} ${unit} (a year)`);
  if (timezone !== undefined && timezone !== 'UTC') {
    findings.warn('timezone', 'does not move an interval: `every` counts absolute time');
  }
  // Temporal counts an interval from the epoch: without a start, only one that divides a day has obvious times.
  if (start === undefined && MINUTES_A_DAY % minutes !== 0) {
    findings.warn(
      'start_at',
      `is not set, so the runs fall every ${every} ${unit} counted from 1970-01-01T00:00Z, not from the job's creation; set it to choose the first run`,
    );
  }
}

/** A monthly (no `month`) or yearly day: an error if it never exists, a warning if some months or years skip it. */
function checkDay(day: number, month: number | undefined, findings: Findings): void {
  const coverage = dayCoverage(month === undefined ? ALL_MONTHS : [month], [day]);
  if (coverage.never && month !== undefined) {
    findings.error('day_of_month', `${MONTH_NAMES[month - 1]} has no day ${day}: the job would never run`);
  } else if (coverage.gaps.length > 0) {
    findings.warn('day_of_month', `${coverage.gaps.join('; ')}: no run then`);
  }
}

function checkCron(expression: string, findings: Findings): { field: string; minutesOfDay: number[] } | undefined {
  const parsed = parseCron(expression);
  if ('problems' in parsed) {
    for (const problem of parsed.problems) findings.error('expression', problem);
    return undefined;
  }
  const { times } = parsed;
  const coverage = dayCoverage(times.months, times.daysOfMonth);
  if (coverage.never)
    findings.error('expression', 'names no date that exists (its day-of-month is in none of its months): it would never run');
  else if (times.daysOfMonth.length < 31 && coverage.gaps.length > 0)
    findings.warn('expression', `${coverage.gaps.join('; ')}: no run then`);
  if (times.bothDaysRestricted) {
    findings.warn(
      'expression',
      'restricts both day-of-month and day-of-week: Temporal runs only on days that match both, where classic cron runs on days that match either',
    );
  }
  return { field: 'expression', minutesOfDay: times.hours.flatMap((h) => times.minutes.map((m) => h * 60 + m)) };
}
