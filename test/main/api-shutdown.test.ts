import { describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { runScript } from '../support/process.js';
import { tempDir } from '../support/stack.js';

describe('stopping the API', () => {
  // `npm run start:api | jq` and Ctrl-C: the terminal interrupts the reader of the log with the API, so the
  // lines of the shutdown meet a pipe nobody reads. They are lost; the stop must not be.
  it.each([
    ['to standard output', {}],
    ['to standard output and log files', { BORG_LOG_FILE: 'borg.log' }],
  ])('ends at Ctrl-C even when the reader of its log goes away with it, logging %s', async (_, logEnv: Record<string, string>) => {
    const port = await freePort();
    const dataDir = tempDir();
    const api = runScript('start:api', { BORG_DATA_DIR: dataDir, BORG_API_PORT: String(port), TEMPORAL_ADDRESS: '127.0.0.1:1', ...logEnv });
    await api.waitForOutput('API ready');
    process.kill(-api.child.pid!, 'SIGINT');
    // The reader goes a moment after the stop has begun: the lines still to come meet a closed pipe.
    await new Promise((resolve) => setTimeout(resolve, 10));
    api.child.stdout!.destroy();
    const outcome = await Promise.race([
      api.exited,
      new Promise((resolve) => setTimeout(() => resolve('still running after 15 s'), 15_000)),
    ]);
    expect(outcome).toEqual({ code: 0, signal: null });
    // The port is free again: nothing of the API is left behind.
    const res = await fetch(`http://127.0.0.1:${port}/health`).catch((err: Error) => err);
    expect(res).toBeInstanceOf(Error);
  });
});
