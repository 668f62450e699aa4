import { describe, expect, it } from 'vitest';
import { runScript } from '../support/process.js';

describe('npm run bench:check', () => {
  it('stops at once with exit code 2 and a line for every bad setting, before it starts anything', async () => {
    const run = runScript('bench:check', { BENCH_PAIRS: '0', BENCH_QUIET_STEAL: ' ', BENCH_SLICE_S: '1e1' });
    expect(await run.exited).toEqual({ code: 2, signal: null });
    expect(run.output().trim().split('\n')).toEqual([
      'bench:check: BENCH_PAIRS must be a whole number of at least 1, got "0"',
      'bench:check: BENCH_SLICE_S must be a whole number of at least 1, got "1e1"',
      'bench:check: BENCH_QUIET_STEAL must be a percentage from 0 to 100, got " "',
    ]);
  });
});
