import type { WriteStream } from 'node:fs';
import { runStep, StepError } from '../steps/run-step.js';

export const formatSeconds = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
};

export interface StageContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: WriteStream;
  logFile: string;
  buildStart: number;
  /** Progress lines go here (stderr by default). */
  progress?: NodeJS.WriteStream;
}

/**
 * Runs one live-build stage as a step of the shared runner, showing stage, elapsed time and the latest output
 * line: rewritten in place on a terminal, every 30 s otherwise (CI logs). Throws StepError naming the log.
 */
export async function runStage(stage: string, command: string, args: string[], ctx: StageContext): Promise<void> {
  const out = ctx.progress ?? process.stderr;
  const start = Date.now();
  ctx.log.write(`\n=== stage ${stage}: ${command} ${args.join(' ')}\n`);
  const status = (): string => `[iso] ${stage} ${formatSeconds(Date.now() - start)} (total ${formatSeconds(Date.now() - ctx.buildStart)})`;
  const tty = out.isTTY === true;
  const beat = (latestLine: string): void => {
    if (tty) {
      const latest = latestLine.replace(/\s+/g, ' ').slice(0, Math.max(0, (out.columns || 100) - status().length - 4));
      out.write(`\r\x1b[2K${status()} · ${latest}`);
    } else {
      out.write(`${status()}\n`);
    }
  };
  const result = await runStep({
    command: [command, ...args],
    cwd: ctx.cwd,
    env: ctx.env,
    log: ctx.log,
    heartbeat: { everyMs: tty ? 1000 : 30_000, beat },
  });
  if (tty) out.write('\r\x1b[2K');
  if (result.exitCode !== 0) {
    const { exitCode, signal } = result;
    ctx.log.write(`=== stage ${stage} failed (${signal ?? `exit ${exitCode}`})\n`);
    const detail = `${command} ${signal ? `killed by ${signal}` : `exited with ${exitCode}`} after ${formatSeconds(Date.now() - start)}`;
    throw new StepError(
      stage,
      exitCode,
      `stage "${stage}" failed: ${detail}; full log: ${ctx.logFile}\n--- last lines ---\n${result.tail.join('\n')}`,
    );
  }
  out.write(`[iso] ✓ ${stage} ${formatSeconds(Date.now() - start)}\n`);
}
