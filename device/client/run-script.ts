import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CappedOutput } from './capped-output.js';
import { abortReason, sleep } from './http.js';
import type { VerifiedJob } from './job-payload.js';
import { ensurePrivateDir } from './private-files.js';
import { KILL_GRACE_MS, endGroup } from './process-group.js';
import type { Interpreter, RunResult } from './wire.js';

export interface RunScriptOptions {
  /** Stops the script as a timeout does; the result then says `failed`. Aborted before the start, nothing runs. */
  signal?: AbortSignal;
  /** Where the script's private directory is made (created 0700 when missing); default the system's temp directory. */
  tmpDir?: string;
  /** How long the script's processes have between SIGTERM and SIGKILL; default 5 s. */
  killGraceMs?: number;
}

/** The PATH a script starts with, unless its job's env sets one: Debian's for root. */
export const SCRIPT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// A file name each interpreter reads as the right kind of script (node: CommonJS outside any package.json).
const SCRIPT_FILES: Record<Interpreter, string> = { sh: 'script.sh', bash: 'script.bash', python3: 'script.py', node: 'script.js' };
// Output still held open after the script's process group ended belongs to a process that left the group: not waited for.
const DRAIN_MS = 1_000;

/**
 * Runs a verified job's script and returns the result to report. The script is written to a file in a fresh
 * private directory (0700, the file 0600), which is also its working directory and is removed afterwards. The
 * interpreter (`sh`, `bash`, `python3` from PATH; `node` is this Node) runs it with the job's args, in a process
 * group of its own, with an environment of PATH, HOME and LANG, the job's env, then BORG_RUN_ID and BORG_JOB_ID.
 *
 * After `timeoutS`, on abort, and when the script exits, the group gets SIGTERM and, `killGraceMs` later, SIGKILL:
 * nothing the script started outlives it. stdout and stderr keep their first 64 KiB of UTF-8 each, flagged when
 * cut. `outcome` is `succeeded` exactly when the script exited 0 on its own, `timed_out` when it was stopped at its
 * timeout, else `failed`; an interpreter that cannot start is a `failed` result whose stderr says why.
 */
export async function runScript(job: VerifiedJob, options: RunScriptOptions = {}): Promise<RunResult> {
  if (options.signal?.aborted) throw abortReason(options.signal);
  const parent = options.tmpDir ?? tmpdir();
  await ensurePrivateDir(parent);
  // mkdtemp makes the directory 0700.
  const dir = await mkdtemp(join(parent, 'borg-job-'));
  try {
    const file = join(dir, SCRIPT_FILES[job.script.interpreter]);
    await writeFile(file, job.script.content, { mode: 0o600, flag: 'wx' });
    return await run(job, file, dir, options);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function run(job: VerifiedJob, file: string, cwd: string, options: RunScriptOptions): Promise<RunResult> {
  // Aborted while the script was being written: still nothing has run.
  if (options.signal?.aborted) throw abortReason(options.signal);
  const startedAt = new Date();
  const child = spawn(interpreter(job.script.interpreter), [file, ...job.script.args], {
    cwd,
    env: scriptEnv(job),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout = new CappedOutput();
  const stderr = new CappedOutput();
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const spawnError = await new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    // Kept for the whole run: an 'error' event without a listener would throw.
    child.on('error', resolve);
  });
  if (spawnError !== undefined) {
    const stderrText = `could not start ${job.script.interpreter}: ${spawnError.message}\n`;
    return result(startedAt, { code: null, signal: null }, 'exited', stdout.result(), { text: stderrText, truncated: false });
  }

  const stop = stopAfter(job.timeoutS * 1000, options.signal);
  const stopped = await Promise.race([exited.then(() => false), stop.promise.then(() => true)]);
  stop.cancel();
  // The group's id is the script's pid, and stays taken while any process of the group lives.
  await endGroup(child.pid!, options.killGraceMs ?? KILL_GRACE_MS);
  const exit = await exited;
  await Promise.race([closed, sleep(DRAIN_MS)]);
  child.stdout.destroy();
  child.stderr.destroy();
  const ending = !stopped ? 'exited' : options.signal?.aborted ? 'aborted' : 'timed_out';
  return result(startedAt, exit, ending, stdout.result(), stderr.result());
}

type Output = { text: string; truncated: boolean };

function result(
  startedAt: Date,
  exit: { code: number | null; signal: NodeJS.Signals | null },
  ending: 'exited' | 'timed_out' | 'aborted',
  stdout: Output,
  stderr: Output,
): RunResult {
  return {
    outcome: ending === 'timed_out' ? 'timed_out' : exit.code === 0 && ending === 'exited' ? 'succeeded' : 'failed',
    exit_code: exit.code,
    signal: exit.signal,
    stdout: stdout.text,
    stderr: stderr.text,
    stdout_truncated: stdout.truncated,
    stderr_truncated: stderr.truncated,
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
  };
}

function interpreter(name: Interpreter): string {
  // The agent's own Node, rather than whichever `node` PATH finds, if any.
  return name === 'node' ? process.execPath : name;
}

function scriptEnv(job: VerifiedJob): Record<string, string> {
  return {
    PATH: SCRIPT_PATH,
    HOME: homedir(),
    LANG: 'C.UTF-8',
    ...job.script.env,
    // Last, so that a job's env cannot pose as another run.
    BORG_RUN_ID: job.runId,
    BORG_JOB_ID: job.jobId,
  };
}

/** Resolves after `ms`, or when the signal aborts; `cancel` drops the timer and the listener. */
function stopAfter(ms: number, signal: AbortSignal | undefined): { promise: Promise<void>; cancel: () => void } {
  let fire = (): void => undefined;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  const timer = setTimeout(fire, ms);
  signal?.addEventListener('abort', fire, { once: true });
  // An abort while the script was starting has already fired, and no listener hears it again.
  if (signal?.aborted) fire();
  return {
    promise,
    cancel: () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', fire);
    },
  };
}
