import { readFileSync } from 'node:fs';

/** CPU time counters of the whole machine, from /proc/stat; null where there is none (not Linux). */
export type CpuTimes = number[] | null;

export function cpuTimes(): CpuTimes {
  try {
    return readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  } catch {
    return null;
  }
}

/**
 * Percent of CPU time the hypervisor gave to other guests between two readings (the "steal" column).
 * On a shared VM it swings from 0 to over 30% within seconds, and a run taken during a burst says
 * more about the neighbours than about the code.
 */
export function stealPercent(before: CpuTimes, after: CpuTimes): number | null {
  if (!before || !after) return null;
  const delta = after.map((v, i) => v - before[i]!);
  const total = delta.reduce((sum, v) => sum + v, 0);
  return total > 0 ? (100 * (delta[7] ?? 0)) / total : null;
}
