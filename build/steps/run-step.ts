import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';

/** How many of the last non-blank output lines a result keeps for failure messages and progress lines. */
const TAIL_LINES = 30;

export interface StepSpec {
  /** Program and arguments; run without a shell, so nothing in them is interpreted. */
  readonly command: readonly string[];
  readonly cwd: string;
  /** The whole environment of the command; a variable set to undefined is left out. */
  readonly env: Record<string, string | undefined>;
  /** Every byte the command writes, stdout and stderr as they come. */
  readonly log: Writable;
  /** Also copy the command's output to this process's stdout and stderr. */
  readonly echo?: boolean;
  /** Called every `everyMs` while the command runs, with its latest non-blank output line. */
  readonly heartbeat?: { readonly everyMs: number; beat(latestLine: string): void };
}

export interface StepResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The last non-blank output lines, stdout and stderr interleaved as they came. */
  readonly tail: readonly string[];
}

/** A step's command failed; the caller words the message, since it knows what the step was for. */
export class StepError extends Error {
  constructor(
    readonly label: string,
    readonly exitCode: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'StepError';
  }
}

/**
 * The one step runner of the build side (ISO stages and pipeline steps): runs a command with its output in a log,
 * keeps what it said, and beats while it runs. Resolves with the result whatever the exit code; callers decide.
 */
export async function runStep(spec: StepSpec): Promise<StepResult> {
  const [program, ...args] = spec.command;
  if (program === undefined) throw new Error('runStep: empty command');
  const tail: string[] = [];
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let partial = '';
  // stdin closed: a command that stops to ask a question would hang a build with nobody to answer.
  const child = spawn(program, args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (kept: Buffer[], echo: NodeJS.WriteStream) => (chunk: Buffer) => {
    kept.push(chunk);
    spec.log.write(chunk);
    if (spec.echo) echo.write(chunk);
    const lines = (partial + chunk.toString('utf8')).split(/\r?\n/);
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) tail.push(line);
    tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
  };
  child.stdout.on('data', collect(stdout, process.stdout));
  child.stderr.on('data', collect(stderr, process.stderr));
  const { heartbeat } = spec;
  const timer = heartbeat && setInterval(() => heartbeat.beat(tail.at(-1) ?? ''), heartbeat.everyMs);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      // A program that is missing or not executable is an answer (a probe such as `docker info` may expect it), so
      // it ends the way a shell would say it: 127 or 126, with the reason on stderr.
      const shellCode = error.code === 'ENOENT' ? 127 : error.code === 'EACCES' ? 126 : undefined;
      if (shellCode === undefined) return reject(error);
      collect(stderr, process.stderr)(Buffer.from(`${program}: ${error.code === 'ENOENT' ? 'command not found' : 'permission denied'}\n`));
      resolve([shellCode, null]);
    });
    child.once('close', (code, sig) => resolve([code, sig]));
  }).finally(() => clearInterval(timer));
  if (partial.trim()) tail.push(partial);
  return {
    exitCode,
    signal,
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
    tail: tail.slice(-TAIL_LINES),
  };
}
