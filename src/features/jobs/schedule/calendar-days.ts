export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/** Days in a month (1-12), February counted as in a leap year: the most any year gives it. */
export const longestMonth = (month: number): number => (month === 2 ? 29 : [4, 6, 9, 11].includes(month) ? 30 : 31);

/** "A, B and C". */
const inWords = (items: string[]): string => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);

/**
 * Which of these days of these months (1-12) never exist, and which exist in only some of them: a calendar
 * schedule has no run on a date that does not exist, so day 31 skips April and 29 February waits for a leap year.
 */
export function dayCoverage(months: readonly number[], days: readonly number[]): { never: boolean; gaps: string[] } {
  const never = days.every((day) => months.every((month) => day > longestMonth(month)));
  const gaps = never
    ? []
    : days.flatMap((day) => {
        const skipped = months.filter((month) => day > longestMonth(month)).map((month) => MONTH_NAMES[month - 1]!);
        const leapOnly = day === 29 && months.includes(2);
        return [
          ...(skipped.length > 0 ? [`day ${day} is skipped in ${inWords(skipped)}`] : []),
          ...(leapOnly ? [`day 29 of February comes in leap years only`] : []),
        ];
      });
  return { never, gaps };
}
