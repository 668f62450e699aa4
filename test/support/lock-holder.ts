import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { onTestFinished } from 'vitest';

/** Starts another process that takes `file`'s lock; resolves with it and what it printed (`locked` or `busy`). */
export async function lockInAnotherProcess(file: string): Promise<{ holder: ChildProcess; said: string }> {
  const script = new URL('./hold-lock.ts', import.meta.url).pathname;
  const holder = spawn(process.execPath, ['--import', 'tsx', script, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  onTestFinished(() => void holder.kill('SIGKILL'));
  const said = await new Promise<string>((resolve) => holder.stdout.once('data', (b: Buffer) => resolve(b.toString().trim())));
  return { holder, said };
}
