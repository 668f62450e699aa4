import { defineConfig } from 'vitest/config';

// Builds and boots real ISOs: one file at a time, generous timeouts, no Temporal.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    globalSetup: ['test/e2e/host-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 30 * 60_000,
    hookTimeout: 60 * 60_000,
  },
});
