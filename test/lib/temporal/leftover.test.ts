import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import { lockOnceOwnerDies, procStat } from '../../../lib/temporal/leftover.js';
import { tempDir } from '../../support/stack.js';

/**
 * A real zombie: `cat` ends once the test closes fd 3, after its shell became `sleep 30`, which never reaps it. Letting
 * the child end on its own instead races the exec: bash reaps a child that ends before it, and no zombie forms.
 */
async function zombie(): Promise<number> {
  const parent = spawn('bash', ['-c', 'cat <&3 >/dev/null & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore', 'pipe'] });
  onTestFinished(() => void parent.kill('SIGKILL'));
  const pid = Number(await new Promise<string>((resolve) => parent.stdout!.once('data', (c: Buffer) => resolve(c.toString()))));
  await until(() => readFileSync(`/proc/${parent.pid}/comm`, 'utf8').trim() === 'sleep', `pid ${parent.pid} did not exec sleep`);
  (parent.stdio[3] as Writable).destroy();
  await until(() => procStat(pid)?.state === 'Z', `pid ${pid} did not become a zombie`);
  return pid;
}

/** Seconds, not moments: the machine is busy with other test files. */
async function until(done: () => boolean, failure: string): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!done()) throw new Error(`${failure} within 10 s`);
}

/** The pid file a run writes beside the Temporal database: the server, then the owner with its start time. */
function pidFile(owner: number): string {
  const dbFile = join(tempDir(), 'temporal.db');
  writeFileSync(`${dbFile}.pid`, `1\n${owner} ${procStat(owner)?.start ?? '0'}\n`);
  return dbFile;
}

describe('a start that finds the lock of its Temporal server held', () => {
  it('waits while the run that holds it is being killed, and takes the lock once it is let go', async () => {
    const dbFile = pidFile(await zombie());
    let tries = 0;
    const started = Date.now();
    expect(await lockOnceOwnerDies(dbFile, () => (++tries >= 4 ? 'lock' : undefined))).toBe('lock');
    expect(tries).toBe(4);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('does not wait on a run that is alive, nor on one already gone (then someone else holds the lock)', async () => {
    const gone = spawn('true');
    await new Promise((resolve) => gone.once('exit', resolve));
    for (const owner of [process.pid, gone.pid!]) {
      let tries = 0;
      expect(await lockOnceOwnerDies(pidFile(owner), () => (++tries, 'lock'))).toBeUndefined();
      expect(tries).toBe(0);
    }
  });
});
