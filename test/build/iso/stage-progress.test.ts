import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runStage, type StageContext } from '../../../build/iso/stage-progress.js';
import { StepError } from '../../../build/steps/run-step.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'borg-iso-stage-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A build context whose progress goes to a pipe (not a terminal), as in a CI log. */
function context(): { ctx: StageContext; progress: () => string; close: () => Promise<void> } {
  const logFile = join(dir, 'build.log');
  const log = createWriteStream(logFile);
  const out = new PassThrough();
  let written = '';
  out.on('data', (chunk: Buffer) => (written += chunk.toString('utf8')));
  const ctx: StageContext = {
    cwd: dir,
    env: process.env,
    log,
    logFile,
    buildStart: Date.now(),
    progress: out as unknown as NodeJS.WriteStream,
  };
  return { ctx, progress: () => written, close: () => new Promise((done) => log.end(done)) };
}

describe('an ISO build stage', () => {
  it('logs the command under a stage header and says when it is done', async () => {
    const { ctx, progress, close } = context();
    await runStage('config', 'sh', ['-c', 'echo configured'], ctx);
    await close();
    expect(readFileSync(ctx.logFile, 'utf8')).toBe('\n=== stage config: sh -c echo configured\nconfigured\n');
    expect(progress()).toMatch(/^\[iso\] ✓ config \d+s\n$/);
  });

  it('fails naming the stage, how the command ended, the log and its last lines', async () => {
    const { ctx, progress, close } = context();
    const failing = runStage('chroot', 'sh', ['-c', 'seq 1 40; echo "E: Unable to locate package ngnix" >&2; exit 100'], ctx);
    const error = await failing.catch((e: unknown) => e);
    await close();
    expect(error).toBeInstanceOf(StepError);
    const lines = (error as StepError).message.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^stage "chroot" failed: sh exited with 100 after \\d+s; full log: ${ctx.logFile}$`));
    expect(lines[1]).toBe('--- last lines ---');
    expect(lines.slice(2)).toEqual([...Array.from({ length: 29 }, (_, i) => String(i + 12)), 'E: Unable to locate package ngnix']);
    expect(readFileSync(ctx.logFile, 'utf8')).toMatch(/=== stage chroot failed \(exit 100\)\n$/);
    expect(progress()).toBe('');
  });
});
