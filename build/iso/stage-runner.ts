import { spawn } from 'node:child_process';
import type { WriteStream } from 'node:fs';

/** Raised when a build stage exits non-zero; names the stage and where its output went. */
export class StageError extends Error {
  constructor(
    readonly stage: string,
    readonly logFile: string,
    detail: string,
    readonly tail: string[],
  ) {
    super(`stage "${stage}" failed: ${detail}; full log: ${logFile}\n--- last lines ---\n${tail.join('\n')}`);
    this.name = 'StageError';
  }
}

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
 * Runs one stage command with its output in the log file, showing stage, elapsed time and the
 * latest output line: rewritten in place on a terminal, every 30 s otherwise (CI logs).
 */
export async function runStage(stage: string, command: string, args: string[], ctx: StageContext): Promise<void> {
  const out = ctx.progress ?? process.stderr;
  const start = Date.now();
  const tail: string[] = [];
  let partial = '';
  ctx.log.write(`\n=== stage ${stage}: ${command} ${args.join(' ')}\n`);
  const child = spawn(command, args, { cwd: ctx.cwd, env: ctx.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (chunk: Buffer): void => {
    ctx.log.write(chunk);
    const lines = (partial + chunk.toString('utf8')).split(/\r?\n/);
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) tail.push(line);
    tail.splice(0, Math.max(0, tail.length - 30));
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  const status = (): string => `[iso] ${stage} ${formatSeconds(Date.now() - start)} (total ${formatSeconds(Date.now() - ctx.buildStart)})`;
  const tty = out.isTTY === true;
  const timer = setInterval(
    () => {
      if (tty) {
        const latest = (tail.at(-1) ?? '').replace(/\s+/g, ' ').slice(0, Math.max(0, (out.columns || 100) - status().length - 4));
        out.write(`\r\x1b[2K${status()} · ${latest}`);
      } else {
        out.write(`${status()}\n`);
      }
    },
    tty ? 1000 : 30_000,
  );
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, s) => resolve([c, s]));
  }).finally(() => clearInterval(timer));
  if (tty) out.write('\r\x1b[2K');
  if (code !== 0) {
    ctx.log.write(`=== stage ${stage} failed (${signal ?? `exit ${code}`})\n`);
    throw new StageError(stage, ctx.logFile, `${command} ${signal ? `killed by ${signal}` : `exited with ${code}`} after ${formatSeconds(Date.now() - start)}`, tail);
  }
  out.write(`[iso] ✓ ${stage} ${formatSeconds(Date.now() - start)}\n`);
}
