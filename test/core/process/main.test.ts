import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../src/core/config/config.js';
import { StartupError } from '../../../src/core/errors.js';
import { runMain } from '../../../src/core/process/main.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Runs `runMain` with `process.exit` and stderr captured. Like a real exit, the first exit ends what is observable:
 * its code is the result and nothing written after it counts.
 */
async function run(start: () => Promise<void>): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  let exited = false;
  const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      if (!exited) stderr += String(chunk);
      return true;
    });
    vi.spyOn(process, 'exit').mockImplementation((code) => {
      if (!exited) resolve({ code: Number(code), stderr });
      exited = true;
      return undefined as never;
    });
    runMain('borg', start);
  });
  // The stubs stay until the handler has run to its end (a stubbed exit returns), then the real ones are back.
  vi.restoreAllMocks();
  return result;
}

describe('runMain', () => {
  it('prints one line per configuration problem, no stack, and exits 2', async () => {
    const problems = ['BORG_API_PORT="x" is invalid: not a port', 'BORG_LOG_LEVEL="loud" is invalid: not a level'];
    const { code, stderr } = await run(() => Promise.reject(new ConfigError(problems)));
    expect(code).toBe(2);
    expect(stderr).toBe(`borg: ${problems[0]}\nborg: ${problems[1]}\n`);
  });

  it('prints a named start-up error as "name: message" without a stack and exits 1', async () => {
    const { code, stderr } = await run(async () => {
      throw new StartupError('the database at /data/borg.db is newer than this build');
    });
    expect(code).toBe(1);
    expect(stderr).toBe('borg: the database at /data/borg.db is newer than this build\n');
  });

  it('keeps the stack of a plain Error (a bug) and exits 1', async () => {
    const { code, stderr } = await run(async () => {
      throw new Error('undefined is not a function');
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^borg: Error: undefined is not a function\n\s+at /);
    expect(stderr).toContain('main.test.ts');
  });

  it('prints something thrown that is not an Error as text and exits 1', async () => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what runMain must cope with
    const { code, stderr } = await run(() => Promise.reject('plain string'));
    expect(code).toBe(1);
    expect(stderr).toBe('borg: plain string\n');
  });

  it('neither exits nor prints when start succeeds', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation(() => undefined as never);
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let started = false;
    runMain('borg', async () => {
      started = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    const calls = [...exit.mock.calls, ...write.mock.calls];
    vi.restoreAllMocks();
    expect(started).toBe(true);
    expect(calls).toEqual([]);
  });
});
