import { ConfigError } from '../config/config.js';
import { configText } from '../config/docs.js';
import { UsageError } from '../errors.js';

/** What an entry point that takes no arguments says to `--help`: what it does, then the settings it reads. */
export interface Usage {
  command: string;
  summary: string;
}

/**
 * Answers `--help` and refuses any other argument before anything starts: an entry point configured only by
 * the environment must not take `--help` for a request to migrate or serve. True if the caller may go on.
 */
function argumentsAllowStart(name: string, usage: Usage, args: string[]): boolean {
  if (args.length === 0) return true;
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(
      `usage: ${usage.command}\n\n${usage.summary}\n\nIt takes no arguments; it reads these environment variables:\n${configText()}\n`,
    );
    return false;
  }
  process.stderr.write(`${name}: unexpected argument "${args[0]}"; it is configured by environment variables only (see --help)\n`);
  process.exitCode = 2;
  return false;
}

/**
 * Runs an entry point. A configuration or start-up problem prints one line per problem
 * (no stack trace) and exits non-zero; anything else is a bug and keeps its stack. With `usage`,
 * the entry point takes no arguments but `--help`.
 */
export function runMain(name: string, start: () => Promise<void>, usage?: Usage): void {
  if (usage && !argumentsAllowStart(name, usage, process.argv.slice(2))) return;
  start().catch((err: unknown) => {
    if (err instanceof ConfigError || err instanceof UsageError) {
      for (const problem of err instanceof ConfigError ? err.problems : [err.message]) process.stderr.write(`${name}: ${problem}\n`);
      process.exit(2);
    }
    const expected = err instanceof Error && err.name !== 'Error';
    const text = err instanceof Error ? (expected ? err.message : (err.stack ?? err.message)) : String(err);
    process.stderr.write(`${name}: ${text}\n`);
    process.exit(1);
  });
}
