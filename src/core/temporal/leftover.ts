import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { bindError } from '../process/ports.js';

/**
 * `<db file>.pid` names the server running on that database while it runs (first line) and the BorgOS process that
 * owns it (second line: pid and start time, so a pid the kernel has since handed to another process is not taken for it).
 */
const pidFileOf = (dbFile: string): string => `${dbFile}.pid`;

/** Locked by the BorgOS that runs the server on `<db file>` for as long as it runs (see tryLock). */
export const lockFileOf = (dbFile: string): string => `${dbFile}.lock`;

export class LeftoverError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeftoverError';
  }
}

/** State letter and start time (field 22) from /proc/<pid>/stat, or undefined for a process that is gone. */
export function procStat(pid: number): { state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The name before it is in parentheses and may itself hold ") ".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, start: fields[19]! };
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie: the leader of a process killed by a signal shows `Z` while its other threads still exit. */
function running(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (err) {
    // Gone between the look and the signal: what we wanted.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

async function stopProcess(pid: number): Promise<void> {
  signal(pid, 'SIGTERM');
  for (let waited = 0; running(pid) && waited < 10_000; waited += 100) await sleep(100);
  if (!running(pid)) return;
  signal(pid, 'SIGKILL');
  for (let waited = 0; running(pid) && waited < 5_000; waited += 100) await sleep(100);
}

/** Records `serverPid` as the server on `dbFile`, owned by this process; written whole or not at all. */
export function claimServer(dbFile: string, serverPid: number): void {
  const start = procStat(process.pid)?.start;
  const temporary = `${pidFileOf(dbFile)}.${process.pid}`;
  writeFileSync(temporary, start ? `${serverPid}\n${process.pid} ${start}\n` : `${serverPid}\n`);
  renameSync(temporary, pidFileOf(dbFile));
}

export function releaseServer(dbFile: string): void {
  rmSync(pidFileOf(dbFile), { force: true });
}

interface PidFile {
  server: number;
  owner: { pid: number; start: string } | undefined;
}

function readPidFile(dbFile: string): PidFile | undefined {
  let lines: string[];
  try {
    lines = readFileSync(pidFileOf(dbFile), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const [ownerPid, ownerStart] = (lines[1] ?? '').split(' ');
  return { server: Number(lines[0]), owner: ownerPid && ownerStart ? { pid: Number(ownerPid), start: ownerStart } : undefined };
}

const stillRunning = (dbFile: string, owner: number | undefined): LeftoverError =>
  new LeftoverError(
    `the embedded Temporal server on ${dbFile} belongs to a BorgOS that is ${owner ? `still running (pid ${owner})` : 'starting it right now'}; stop it first or give this one another BORG_DATA_DIR`,
  );

/** The refusal when another process holds the lock on `dbFile`: it names that BorgOS once its pid file does. */
export function heldElsewhere(dbFile: string): LeftoverError {
  return stillRunning(dbFile, readPidFile(dbFile)?.owner?.pid);
}

/**
 * Killed but not yet gone: a zombie, or SIGKILL pending while a thread finishes a system call (an fsync, say). Its
 * locks go only once its last thread has exited, which may be a moment after its parent saw it die.
 */
function beingKilled(pid: number): boolean {
  if (procStat(pid)?.state === 'Z') return true;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    // Signal 9 is bit 8 of the pending masks, the process's shared one or a thread's own.
    return [...status.matchAll(/^(?:ShdPnd|SigPnd):\s*([0-9a-f]+)$/gm)].some((m) => (BigInt(`0x${m[1]}`) & 0x100n) !== 0n);
  } catch {
    return false;
  }
}

/**
 * `lock()` again for as long as the BorgOS the pid file names is being killed (at most 10 s), so a start right after
 * `kill -9` waits for the kernel to let go of the old run instead of calling it still running. An owner already gone
 * holds no lock: someone else does, and that is no reason to wait.
 */
export async function lockOnceOwnerDies<T>(dbFile: string, lock: () => T | undefined): Promise<T | undefined> {
  const owner = readPidFile(dbFile)?.owner?.pid;
  for (let waited = 0; owner !== undefined && waited < 10_000 && beingKilled(owner); waited += 50) {
    await sleep(50);
    const held = lock();
    if (held) return held;
  }
  return undefined;
}

/**
 * A run killed without a chance to stop its server (SIGKILL) leaves it running in its own process group, holding
 * the ports: stop it, but only if that pid is still a dev server on this very database and its owner is gone.
 * A server found dying, or stopped here, gets a few seconds to release `ports`: the kernel frees them only once
 * the last thread of the process has exited, after its leader already looks dead. Returns the pid it stopped.
 */
export async function stopLeftover(dbFile: string, ports: number[]): Promise<number | undefined> {
  const found = readPidFile(dbFile);
  if (!found) return undefined;
  const { server: pid, owner } = found;
  // Our own pid in there is a pid reused since (a container's pid 1 after a restart, say), not a live owner.
  if (owner && owner.pid !== process.pid && procStat(owner.pid)?.start === owner.start) throw stillRunning(dbFile, owner.pid);
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    // Gone already.
  }
  const ours = cmdline.includes('start-dev') && cmdline.split('\0').includes(dbFile);
  const dying = procStat(pid)?.state === 'Z';
  if (ours) await stopProcess(pid);
  releaseServer(dbFile);
  if (ours || dying) {
    for (const port of ports) {
      for (let waited = 0; (await bindError(port)) !== undefined && waited < 10_000; waited += 100) await sleep(100);
    }
  }
  return ours ? pid : undefined;
}
