import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runStep } from '../../../build/steps/run-step.js';

/** A log that keeps what it was given. */
function memoryLog(): { log: PassThrough; text: () => string } {
  const log = new PassThrough();
  const chunks: Buffer[] = [];
  log.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { log, text: () => Buffer.concat(chunks).toString('utf8') };
}

const base = { cwd: process.cwd(), env: process.env };

describe('runStep', () => {
  it('logs everything the command writes and keeps stdout and stderr apart', async () => {
    const { log, text } = memoryLog();
    const result = await runStep({ ...base, command: ['sh', '-c', 'echo out-1; echo err-1 >&2'], log });
    expect(result).toMatchObject({ exitCode: 0, signal: null });
    expect(result.stdout).toBe('out-1\n');
    expect(result.stderr).toBe('err-1\n');
    expect(text()).toContain('out-1');
    expect(text()).toContain('err-1');
  });

  // One stream only: which of two pipes the runner reads first is up to the kernel, so mixed lines have no fixed order.
  it('keeps the last 30 non-blank lines, a last line without a newline included', async () => {
    const { log } = memoryLog();
    const result = await runStep({ ...base, command: ['sh', '-c', 'echo out-1; echo; seq 2 40; printf no-newline'], log });
    expect(result.tail).toHaveLength(30);
    expect(result.tail.at(-1)).toBe('no-newline');
    expect(result.tail.at(-2)).toBe('40');
    expect(result.tail[0]).toBe('12');
  });

  it('passes arguments without a shell and runs in the given directory with the given environment', async () => {
    const { log } = memoryLog();
    const result = await runStep({
      command: ['sh', '-c', 'printf "%s|%s|%s" "$1" "$PWD" "$STEP_VAR"', 'sh', '$HOME; echo hi'],
      cwd: '/tmp',
      env: { PATH: process.env.PATH, STEP_VAR: 'set' },
      log,
    });
    expect(result.stdout).toBe('$HOME; echo hi|/tmp|set');
  });

  it('resolves with the exit code of a failing command, and with 127 for a program that is not there', async () => {
    const { log, text } = memoryLog();
    expect((await runStep({ ...base, command: ['sh', '-c', 'echo broke >&2; exit 3'], log })).exitCode).toBe(3);
    const missing = await runStep({ ...base, command: ['no-such-program-borg', '--version'], log });
    expect(missing).toMatchObject({
      exitCode: 127,
      stderr: 'no-such-program-borg: command not found\n',
      tail: ['no-such-program-borg: command not found'],
    });
    expect(text()).toContain('no-such-program-borg: command not found');
  });

  it('reports a command killed by a signal', async () => {
    const { log } = memoryLog();
    expect(await runStep({ ...base, command: ['sh', '-c', 'kill -TERM $$'], log })).toMatchObject({ exitCode: null, signal: 'SIGTERM' });
  });

  it('beats while the command runs, with its latest line, and stops beating when it ends', async () => {
    const { log } = memoryLog();
    const beats: string[] = [];
    await runStep({
      ...base,
      command: ['sh', '-c', 'echo first; sleep 0.5; echo second; sleep 0.5'],
      log,
      heartbeat: { everyMs: 100, beat: (line) => beats.push(line) },
    });
    const after = beats.length;
    expect(beats).toContain('first');
    expect(beats).toContain('second');
    expect(beats.indexOf('first')).toBeLessThan(beats.indexOf('second'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(beats).toHaveLength(after);
  });
});
