import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { onTestFinished } from 'vitest';

export interface Running {
  child: ChildProcess;
  output(): string;
  waitForOutput(text: string | RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs an npm script as a user would, with a clean environment plus `env`. */
export function runScript(script: string, env: Record<string, string>, args: string[] = []): Running {
  const child = spawn('npm', ['run', '--silent', script, ...(args.length ? ['--', ...args] : [])], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a test that times out still takes npm's children down with it.
    detached: true,
  });
  const killGroup = (): void => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', killGroup);
  child.once('exit', () => process.removeListener('exit', killGroup));
  let text = '';
  child.stdout.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr.on('data', (c: Buffer) => (text += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // A test that fails half-way still stops what it started, gently first: SIGKILL would strand the embedded
  // Temporal server, which runs in a process group of its own.
  onTestFinished(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
    if (!stopped) killGroup();
  });
  return {
    child,
    output: () => text,
    exited,
    async waitForOutput(pattern, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      const matches = () => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
      while (!matches()) {
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before ${String(pattern)}:\n${text}`);
        if (Date.now() > deadline) throw new Error(`no ${String(pattern)} within ${timeoutMs} ms:\n${text}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** Every live process whose ancestry includes `root` (read from /proc). */
export function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const walk = (pid: number): void => {
    for (const [child, parent] of parents) {
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return found;
}

/** The command lines of those `pids` still running after a short grace period. */
export async function survivors(pids: number[], graceMs = 3000): Promise<string[]> {
  // A process may end between two reads of /proc: a file gone by then means it is no survivor.
  const read = (pid: number, file: string): string | undefined => {
    try {
      return readFileSync(`/proc/${pid}/${file}`, 'utf8');
    } catch {
      return undefined;
    }
  };
  const alive = (): number[] => pids.filter((pid) => read(pid, 'stat')?.includes(') Z ') === false);
  for (const deadline = Date.now() + graceMs; alive().length > 0 && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return alive()
    .map((pid) => read(pid, 'cmdline')?.replaceAll('\0', ' ').trim())
    .filter((cmd) => cmd !== undefined);
}
