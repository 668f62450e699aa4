import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { runStep, StepError, type StepResult } from '../steps/run-step.js';
import { repoRoot } from './paths.js';

/** What a stage gets to work with: where to log, and whether to echo command output. */
export interface StageContext {
  /** Absolute path of this stage's log file. */
  readonly logPath: string;
  /** Echo every command's output to the terminal as well as the log. */
  readonly verbose: boolean;
  /** Write a line to the log (and the terminal when verbose). */
  note(line: string): void;
  /** Write a line to the log and always to the terminal: results worth seeing. */
  say(line: string): void;
  /** Run one command as a named step; throws StepError (from build/steps) when it exits non-zero. */
  run(label: string, command: readonly string[], options?: StepOptions): Promise<StepResult>;
}

export interface StepOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  /** Resolve with the output instead of throwing when the command fails. */
  readonly allowFailure?: boolean;
  /** Log only: for polls that would otherwise fill the terminal. */
  readonly quiet?: boolean;
}

const MAX_REPORT_LINES = 40;

/**
 * What a failed command said about its failure. Our scripts print a many-line error from an `error:`
 * line on (npm run iso: `error: invalid profile` and then every issue), so that whole block is kept;
 * other commands get their last non-blank line, preferring stderr: usually their error.
 */
function failureReport(stderr: string, stdout: string): string[] {
  const errLines = stderr
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  const start = errLines.findLastIndex((l) => l.startsWith('error:'));
  if (start >= 0) {
    // Bounded: a tool that keeps writing after its error line must not bury the summary; the log has it all.
    const block = errLines.slice(start);
    return block.length <= MAX_REPORT_LINES
      ? block
      : [...block.slice(0, MAX_REPORT_LINES), `… ${block.length - MAX_REPORT_LINES} more lines in the log`];
  }
  const last = [stderr, stdout]
    .map((text) =>
      text
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .at(-1),
    )
    .find(Boolean);
  return last === undefined ? [] : [last];
}

const heartbeatMs = 60_000;

const elapsed = (startedAt: number): string => `${((performance.now() - startedAt) / 1000).toFixed(1)}s`;

/** Opens the stage log and returns the context that runs steps into it. */
export function openStageContext(
  logPath: string,
  verbose: boolean,
  print: (line: string) => void,
): StageContext & { close(): Promise<void> } {
  mkdirSync(path.dirname(logPath), { recursive: true });
  const log: WriteStream = createWriteStream(logPath, { flags: 'w' });
  const note = (line: string): void => {
    log.write(`${line}\n`);
    if (verbose) print(line);
  };
  return {
    logPath,
    verbose,
    note,
    say(line) {
      log.write(`${line}\n`);
      print(`    ${line}`);
    },
    async run(label, command, options = {}) {
      const startedAt = performance.now();
      if (!options.quiet) print(`  - ${label} …`);
      note(`$ ${command.join(' ')}`);
      // A heartbeat, so a twenty-minute ISO build does not look hung in a CI log.
      const heartbeat = options.quiet
        ? undefined
        : { everyMs: heartbeatMs, beat: () => print(`    … ${label} still running (${elapsed(startedAt)})`) };
      const result = await runStep({
        command,
        cwd: options.cwd ?? repoRoot,
        env: { ...process.env, FORCE_COLOR: '0', ...options.env },
        log,
        echo: verbose,
        ...(heartbeat ? { heartbeat } : {}),
      });
      const ok = result.exitCode === 0;
      // A probe allowed to fail is not a failure: mark it neutrally.
      const mark = ok ? '✓' : options.allowFailure ? '·' : '✗';
      if (!options.quiet) print(`  ${mark} ${label} (${ok ? '' : `exit ${result.exitCode ?? '?'}, `}${elapsed(startedAt)})`);
      if (!ok && !options.allowFailure) {
        const report = failureReport(result.stderr, result.stdout);
        throw new StepError(
          label,
          result.exitCode,
          `step "${label}" exited with code ${result.exitCode ?? 'unknown'}${report.length > 0 ? `: ${report.join('\n')}` : ''}`,
        );
      }
      return result;
    },
    close: () => new Promise((resolve) => log.end(resolve)),
  };
}
