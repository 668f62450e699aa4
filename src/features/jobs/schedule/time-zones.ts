/**
 * Time zones as Node's ICU knows them. Temporal's server loads the same IANA names from Go's tz database, which
 * is case-sensitive where ICU is not: "europe/berlin" works here and fails in Temporal, so the case is checked too.
 */

const NOT_A_ZONE = 'is not an IANA time zone such as Europe/Berlin or UTC';

/** Why a name is not a time zone Temporal can load, or undefined if it is one. */
export function timeZoneProblem(name: string): string | undefined {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return NOT_A_ZONE;
  }
  const spelt = [resolved, ...Intl.supportedValuesOf('timeZone')].find((known) => known.toLowerCase() === name.toLowerCase());
  if (spelt !== undefined && spelt !== name) return `must be spelt ${spelt}: time zone names are case-sensitive`;
  // Aliases (US/Pacific) are in no list to check their case against, but every part of an IANA name starts with a
  // capital letter; that also keeps out the offsets (+01:00) newer ICU versions take as zones.
  return name.split('/').every((part) => /^[A-Z]/.test(part)) ? undefined : NOT_A_ZONE;
}
