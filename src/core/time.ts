import { invalidFields } from './errors.js';

// RFC 3339 as the schema's date-time format accepts it: any one separator, any fraction, an offset as hh, hhmm or hh:mm.
const RFC3339 = /^(\d{4})-(\d\d)-(\d\d).(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:z|([+-])(\d\d)(?::?(\d\d))?)$/is;
// Outside these, toISOString writes a six-digit year, which no longer sorts as text against the stored times.
const EARLIEST = Date.parse('0000-01-01T00:00:00.000Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * A time as every row stores it (UTC, milliseconds, `Z`), so comparing the text compares instants; a 400 naming
 * `field` if it is not one.
 * Parsed by hand: `Date.parse` refuses an hours-only offset and a leap second, both of which the schema accepts.
 */
export function utcTime(field: string, value: string): string {
  const m = RFC3339.exec(value);
  let ms = Number.NaN;
  if (m) {
    const [, year, month, day, hour, minute, second, fraction = '', sign, offsetH = '0', offsetM = '0'] = m;
    // Stored times are whole milliseconds, so rounding a finer fraction up keeps `>= since` and `< until` exact.
    const millis = Number(fraction.slice(0, 3).padEnd(3, '0')) + (/[1-9]/.test(fraction.slice(3)) ? 1 : 0);
    const t = new Date(0);
    t.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
    // A leap second (23:59:60) rolls over to the next day's first instant: JavaScript time has no leap seconds.
    t.setUTCHours(Number(hour), Number(minute), Number(second), millis);
    ms = t.getTime() - (sign === '-' ? -1 : 1) * (Number(offsetH) * 60 + Number(offsetM)) * 60_000;
  }
  if (!(ms >= EARLIEST && ms <= LATEST)) {
    throw invalidFields([{ field, message: 'must be an RFC 3339 time within the years 0000-9999 in UTC' }]);
  }
  return new Date(ms).toISOString();
}
