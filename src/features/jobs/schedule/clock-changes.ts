/**
 * Daylight saving time against wall-clock schedules. Temporal matches calendar times literally in the zone: a time
 * the clocks jump over has no run that day. A time they go back over runs twice west of UTC (New York), as
 * Temporal documents, but once east of it (Berlin): Go's time.Date resolves the repeated time to its second
 * occurrence there, so Temporal's check for the first one never fires, and a second time due in that same hour
 * is then taken an hour late. The tests show each case.
 */

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const MINUTES_A_DAY = 24 * 60;

/** The zone's offset from UTC at an instant, in minutes. */
function offsetReader(timeZone: string): (at: number) => number {
  const format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  return (at) => {
    const name = format.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const m = /^GMT([+-])(\d\d):(\d\d)$/.exec(name);
    return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  };
}

/** A change of the zone's clocks: the first instant of the new offset, and the offsets before and after, in minutes. */
interface ClockChange {
  at: number;
  before: number;
  after: number;
}

/** The zone's clock changes between two instants, found a day at a time (no zone changes twice in a day). */
function clockChanges(timeZone: string, from: number, until: number): ClockChange[] {
  const offsetAt = offsetReader(timeZone);
  const changes: ClockChange[] = [];
  for (let day = from; day < until; day += DAY) {
    const before = offsetAt(day);
    const after = offsetAt(day + DAY);
    if (before === after) continue;
    // Offsets change on a whole minute: halve the day down to the minute it starts.
    let lo = Math.floor(day / MINUTE);
    let hi = Math.floor((day + DAY) / MINUTE);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(mid * MINUTE) === before) lo = mid;
      else hi = mid;
    }
    if (hi * MINUTE <= until) changes.push({ at: hi * MINUTE, before, after });
  }
  return changes;
}

const hhmm = (minuteOfDay: number): string =>
  `${String(Math.floor(minuteOfDay / 60) % 24).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;

/**
 * What the zone's next clock changes (one forward, one back) between two instants do to runs due at these minutes
 * of the day: the runs skipped, and the runs taken twice, or once where twice was due.
 */
export function clockChangeWarnings(timeZone: string, minutesOfDay: readonly number[], from: number, until: number): string[] {
  const warned = new Set<boolean>();
  const warnings: string[] = [];
  for (const change of clockChanges(timeZone, from, until)) {
    const forward = change.after > change.before;
    if (warned.has(forward)) continue;
    // The wall-clock times between the readings just before and just after the change: never shown, or shown twice.
    const wallStart = change.at + Math.min(change.before, change.after) * MINUTE;
    const first = Math.floor(wallStart / MINUTE) % MINUTES_A_DAY;
    const length = Math.abs(change.after - change.before);
    if (!minutesOfDay.some((m) => (m - first + MINUTES_A_DAY) % MINUTES_A_DAY < length)) continue;
    warned.add(forward);
    const window = `${hhmm(first)} to ${hhmm(first + length)}`;
    const date = new Date(wallStart).toISOString().slice(0, 10);
    const effect = forward
      ? 'does not happen that day'
      : change.after >= 0
        ? 'happens once that day, at the second of the two, and another due in that hour may come an hour late'
        : 'happens twice that day';
    const what = forward ? `jumps from ${window} when clocks go forward` : `repeats ${window} when clocks go back`;
    warnings.push(`${timeZone} ${what} (next on ${date}): a run due in between ${effect}`);
  }
  return warnings;
}
