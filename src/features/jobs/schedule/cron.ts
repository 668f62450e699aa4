/**
 * The standard five-field cron syntax, parsed to the values each field matches. Temporal parses the expression
 * itself; this finds the mistakes first, to name them in a 400, and gives validate.ts the values for its warnings.
 * It accepts a subset of what Temporal does: no seconds or years, no @shorthands, three-letter names only.
 */

interface FieldRule {
  name: string;
  min: number;
  max: number;
  /** Names for the values from `min` on, matched without regard to case. */
  names?: readonly string[];
}

const FIELDS: readonly FieldRule[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  // 0 to 6 only: the 1.29 server takes 7 for Sunday too, but other server versions validate calendars to 0-6.
  { name: 'day-of-week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

export const CRON_FIELD_NAMES = FIELDS.map((f) => f.name).join(' ');

export interface CronTimes {
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  months: number[];
  daysOfWeek: number[];
  /** Both day fields narrow the days: Temporal then runs only on days that match both. */
  bothDaysRestricted: boolean;
}

class FieldError extends Error {}

function valueOf(text: string, rule: FieldRule): number {
  const named = rule.names?.findIndex((n) => n === text.toUpperCase()) ?? -1;
  if (named >= 0) return rule.min + named;
  if (!/^\d{1,2}$/.test(text)) {
    throw new FieldError(`"${text}" is not a number${rule.names ? ` or a name (${rule.names[0]}-${rule.names.at(-1)})` : ''}`);
  }
  const value = Number(text);
  if (value < rule.min || value > rule.max) {
    const sunday = rule.name === 'day-of-week' && value === 7 ? ' (0 or SUN is Sunday)' : '';
    throw new FieldError(`${value} is out of range ${rule.min}-${rule.max}${sunday}`);
  }
  return value;
}

/** One item of a comma list: `*`, `v`, `a-b`, each optionally `/step`; `v/step` runs from v to the field's end. */
function itemValues(item: string, rule: FieldRule): number[] {
  const [range = '', stepText, extra] = item.split('/');
  if (extra !== undefined || range === '') throw new FieldError(`"${item}" is not a value, range or step`);
  let step = 1;
  if (stepText !== undefined) {
    step = /^\d{1,2}$/.test(stepText) ? Number(stepText) : 0;
    if (step < 1 || step > rule.max) throw new FieldError(`the step in "${item}" must be a number from 1 to ${rule.max}`);
  }
  let first = rule.min;
  let last = rule.max;
  if (range !== '*') {
    const [from = '', to, beyond] = range.split('-');
    if (beyond !== undefined) throw new FieldError(`"${range}" is not a range a-b`);
    first = valueOf(from, rule);
    // Temporal reads `v/step` as v to the field's end; for day-of-week that end is 7, which is Sunday again.
    last = to !== undefined ? valueOf(to, rule) : stepText !== undefined ? (rule.name === 'day-of-week' ? 7 : rule.max) : first;
    if (last < first) throw new FieldError(`the range "${range}" runs backwards`);
  }
  const values: number[] = [];
  for (let v = first; v <= last; v += step) values.push(rule.name === 'day-of-week' ? v % 7 : v);
  return values;
}

function fieldValues(text: string, rule: FieldRule): number[] {
  const values = new Set(text.split(',').flatMap((item) => itemValues(item, rule)));
  return [...values].sort((a, b) => a - b);
}

/** The values each field matches, or one problem per bad field, each naming the field. */
export function parseCron(expression: string): { times: CronTimes } | { problems: string[] } {
  const texts = expression.trim().split(/\s+/);
  if (texts.length !== FIELDS.length) {
    return { problems: [`has ${texts.length} field${texts.length === 1 ? '' : 's'} where 5 are expected (${CRON_FIELD_NAMES})`] };
  }
  const problems: string[] = [];
  const values = FIELDS.map((rule, i) => {
    try {
      return fieldValues(texts[i]!, rule);
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      problems.push(`field ${i + 1} (${rule.name}): ${err.message}`);
      return [];
    }
  });
  if (problems.length > 0) return { problems };
  const [minutes = [], hours = [], daysOfMonth = [], months = [], daysOfWeek = []] = values;
  return {
    times: { minutes, hours, daysOfMonth, months, daysOfWeek, bothDaysRestricted: daysOfMonth.length < 31 && daysOfWeek.length < 7 },
  };
}
