import { ConfigError } from '../config/config.js';

/**
 * Runs an entry point. A configuration or start-up problem prints one line per problem
 * (no stack trace) and exits non-zero; anything else is a bug and keeps its stack.
 */
export function runMain(name: string, start: () => Promise<void>): void {
  start().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) process.stderr.write(`${name}: ${problem}\n`);
      process.exit(2);
    }
    const expected = err instanceof Error && err.name !== 'Error';
    const text = err instanceof Error ? (expected ? err.message : (err.stack ?? err.message)) : String(err);
    process.stderr.write(`${name}: ${text}\n`);
    process.exit(1);
  });
}
