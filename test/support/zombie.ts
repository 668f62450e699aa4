import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { onTestFinished } from 'vitest';
import { procStat } from '../../src/core/temporal/leftover.js';
import { eventually } from './eventually.js';

/**
 * A real zombie and its parent, a live process BorgOS knows nothing of (what a dying server's leader looks like).
 * `cat` ends once fd 3 is closed, after its shell became `sleep 60`, which never reaps it. Letting the child end on
 * its own instead races the exec: a shell reaps a child that ends before it, and no zombie forms.
 */
export async function zombie(): Promise<{ pid: number; parent: ChildProcess }> {
  const parent = spawn('bash', ['-c', 'cat <&3 >/dev/null & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore', 'pipe'] });
  onTestFinished(() => void parent.kill('SIGKILL'));
  const pid = Number(await new Promise<string>((resolve) => parent.stdout!.once('data', (c: Buffer) => resolve(c.toString()))));
  // Seconds, not moments: the machine is busy with other test files.
  await eventually(
    () => readFileSync(`/proc/${parent.pid}/comm`, 'utf8').trim(),
    (comm) => comm === 'sleep',
    10_000,
  );
  (parent.stdio[3] as Writable).destroy();
  await eventually(
    () => procStat(pid)?.state,
    (state) => state === 'Z',
    10_000,
  );
  return { pid, parent };
}
