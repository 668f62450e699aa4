import { readFile, readdir } from 'node:fs/promises';
import { sleep } from './http.js';

/** How long a process group has between SIGTERM and SIGKILL, by default. */
export const KILL_GRACE_MS = 5_000;
// How often a terminated group is checked for members left alive.
const POLL_MS = 50;

/** Sends a signal to every process of a group; false when the group has no process left, not even a zombie. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/**
 * Ends a process group: SIGTERM to all of it, then SIGKILL to whatever still runs after `graceMs`. Resolves once
 * no process of the group runs any more, or right after the SIGKILL.
 */
export async function endGroup(pgid: number, graceMs = KILL_GRACE_MS): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
    if (!(await groupRuns(pgid))) return;
  }
  signalGroup(pgid, 'SIGKILL');
}

/**
 * Whether a process of the group still runs. A zombie still takes signals, and one whose parent died waits for
 * PID 1 to reap it, which may take a while: /proc tells it apart, as state Z.
 */
async function groupRuns(pgid: number): Promise<boolean> {
  if (!signalGroup(pgid, 0)) return false;
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
  } catch {
    return true;
  }
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // `pid (comm) state ppid pgrp …`, and comm may hold spaces and parentheses.
    const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(group) === pgid && state !== 'Z') return true;
  }
  return false;
}
