import { readFileSync } from 'node:fs';

/** /proc counts CPU time in USER_HZ ticks, which Linux fixes at 100 a second for every program. */
const MICROS_PER_TICK = 10_000;

/** CPU a process has used so far, user and system, in microseconds: all its threads, and the calling thread alone. */
export interface ProcessCpu {
  all: number;
  main: number;
}

function ticks(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  // The name in parentheses may hold spaces; the fields after it are fixed: utime is the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** null where there is no /proc (not Linux) or the process is gone. */
export function processCpu(pid: number): ProcessCpu | null {
  try {
    return { all: ticks(`/proc/${pid}/stat`) * MICROS_PER_TICK, main: ticks(`/proc/${pid}/task/${pid}/stat`) * MICROS_PER_TICK };
  } catch {
    return null;
  }
}
