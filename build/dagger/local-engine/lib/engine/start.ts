import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StageContext } from '../../../../pipeline/step.js';
import type { Layout } from '../layout.js';
import { DAGGER_VERSION } from '../pins.js';
import { missingPieces } from './pieces.js';
import { type Bind, checkVisible, prepareRunDir } from './run-dir.js';

export type { Bind } from './run-dir.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const NAMESPACE_SCRIPT = path.join(here, 'namespace.sh');
const JANITOR_SCRIPT = path.join(here, 'janitor.sh');

/** Cold starts (empty state) answer within seconds; a minute means something is wrong. */
const READY_TIMEOUT_MS = 60_000;
/** The engine closes its cache cleanly on SIGTERM; that took about 12 s here. */
const STOP_TIMEOUT_MS = 30_000;
const JANITOR_TIMEOUT_MS = 15_000;
const PROBE_TIMEOUT_S = 20;

/** What startEngine is given besides the layout. */
export interface EngineOptions {
  /** Extra environment for the engine process (SDK content digests, _DAGGER_ENGINE_SYSTEMENV_*). */
  readonly env?: Record<string, string>;
  /** The engine's output; default `<cache>/logs/engine.log`. */
  readonly logFile?: string;
  /** Host directories bound read-only into the namespace (the SDK content at /usr/local/share/dagger/content). */
  readonly binds?: readonly Bind[];
}

/** An engine answering on `socket` until stopped. */
export interface RunningEngine {
  /** The engine's API socket (unix), reachable from the host. */
  readonly socket: string;
  /** The environment the dagger CLI needs to use this engine (and to leave telemetry off). */
  readonly cliEnv: Record<string, string>;
  /** Where the engine, and the namespace around it, write their output. */
  readonly logFile: string;
  /** SIGTERM to the engine, a bounded wait, then SIGKILL to the namespace; resolves once nothing of it is left. */
  stop(): Promise<void>;
}

/** The environment that points the dagger CLI at the engine on `socket`. */
export const engineCliEnv = (socket: string): Record<string, string> => ({
  _EXPERIMENTAL_DAGGER_RUNNER_HOST: `unix://${socket}`,
  DO_NOT_TRACK: '1',
  DAGGER_NO_NAG: '1',
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether something answers on the socket: a live engine from an earlier start must not lose its run directory. */
const socketAnswers = (socket: string): Promise<boolean> =>
  new Promise((resolve) => {
    const probe = connect(socket);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });

const logTail = (file: string): string =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .slice(-5)
        .join('\n')
    : '';

/** True once `exited` resolves, false after `ms`; the timer is cleared so that it keeps no process alive. */
async function exitedWithin(exited: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([exited.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The namespace's pid 1 (tini), as the host numbers it: unshare's only child. */
function namespaceInit(unsharePid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim().split(/\s+/);
    return children[0] ? Number(children[0]) : undefined;
  } catch {
    return undefined;
  }
}

const signal = (pid: number | undefined, name: NodeJS.Signals): void => {
  try {
    if (pid !== undefined) process.kill(pid, name);
  } catch {
    // Already gone.
  }
};

/**
 * The namespace: unshare with its own mount, pid and network namespaces runs namespace.sh as pid 1. setpriv's
 * parent-death signal kills unshare when we die, even by SIGKILL, and --kill-child then kills the namespace's pid 1,
 * which takes every other process in there with it. flock --no-fork locks `lock` and execs unshare, so every process
 * in there holds the lock: the janitor waits on it. fd 5 is the host's network namespace, for slirp4netns.
 */
function spawnNamespace(
  layout: Layout,
  lock: string,
  engineArgs: readonly string[],
  env: Record<string, string>,
  logFd: number,
): ChildProcess {
  const hostNetns = openSync('/proc/self/ns/net', 'r');
  try {
    return spawn(
      'setpriv',
      [
        ...['--pdeathsig', 'KILL', '--', 'flock', '--no-fork', '--exclusive', lock],
        ...['unshare', '--mount', '--net', '--pid', '--fork', '--kill-child', '--propagation', 'private'],
        ...['sh', NAMESPACE_SCRIPT, ...engineArgs],
      ],
      {
        stdio: ['ignore', logFd, logFd, 'ignore', 'ignore', hostNetns],
        env: {
          ...process.env,
          ...env,
          BORG_ENGINE_RUN: layout.engineRun,
          BORG_ENGINE_RUNTIME: layout.runtime,
          BORG_ENGINE_BINARY: path.join(layout.bin, 'engine'),
        },
      },
    );
  } finally {
    closeSync(hostNetns);
  }
}

/**
 * The janitor removes the engine's containers' cgroups once the namespace's lock is free, however the namespace
 * ended. Detached (own session, no parent-death signal): it must outlive us when we are killed.
 */
function spawnJanitor(lock: string, cgroupParent: string, logFd: number): ChildProcess {
  const janitor = spawn('sh', [JANITOR_SCRIPT, lock, cgroupParent], { detached: true, stdio: ['ignore', 'ignore', logFd] });
  janitor.unref();
  return janitor;
}

/**
 * Starts the Dagger engine in private namespaces (RECIPE "Running the engine"): overlays over /usr /etc /opt /var,
 * docker-registry over `layout.registry` as docker.io's mirror, a slirp4netns uplink, state in `layout.engineState`,
 * socket in `layout.engineRun`. Resolves once `dagger core version` answers through the socket.
 */
export async function startEngine(layout: Layout, ctx: StageContext, options: EngineOptions = {}): Promise<RunningEngine> {
  const missing = missingPieces(layout);
  if (missing.length > 0) throw new Error(`the cache lacks ${missing.join(', ')}; run build/dagger/local-engine/build.ts`);
  checkVisible(layout);
  const socket = path.join(layout.engineRun, 'engine.sock');
  if (await socketAnswers(socket)) throw new Error(`an engine already answers on ${socket}; stop it first`);

  // Unique per start: two engines (other caches) must not share, and the janitor removes exactly this one.
  const cgroupParent = `borgos-dagger-${process.pid}-${Date.now().toString(36)}`;
  const files = prepareRunDir(layout, cgroupParent, options.binds ?? []);
  const logFile = options.logFile ?? path.join(layout.logs, 'engine.log');
  mkdirSync(path.dirname(logFile), { recursive: true });
  const logFd = openSync(logFile, 'w');
  const engineArgs = ['--config', files.buildkitConfig, '--root', layout.engineState, '--addr', `unix://${files.socket}`];
  const startedAt = performance.now();
  ctx.note(`engine: ${path.join(layout.bin, 'engine')} ${engineArgs.join(' ')} (log ${logFile})`);
  const namespace = spawnNamespace(layout, files.lock, engineArgs, options.env ?? {}, logFd);
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) => {
    namespace.once('error', (error) => {
      exit = String(error);
      resolve();
    });
    namespace.once('exit', (code, signalName) => {
      exit = signalName ? `killed by ${signalName}` : `exit code ${code ?? 'unknown'}`;
      resolve();
    });
  });
  const janitor = spawnJanitor(files.lock, cgroupParent, logFd);
  closeSync(logFd);
  const janitorDone = new Promise<void>((resolve) => janitor.once('exit', () => resolve()));
  ctx.say(`engine namespace started (pid ${namespace.pid ?? '?'}); log ${logFile}`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (exit === undefined) {
        signal(namespace.pid === undefined ? undefined : namespaceInit(namespace.pid), 'SIGTERM');
        if (!(await exitedWithin(exited, STOP_TIMEOUT_MS))) {
          ctx.note(`engine: no exit ${STOP_TIMEOUT_MS / 1000}s after SIGTERM; killing the namespace`);
          signal(namespace.pid, 'SIGKILL');
          await exited;
        }
      }
      if (!(await exitedWithin(janitorDone, JANITOR_TIMEOUT_MS)))
        throw new Error(`the janitor (pid ${janitor.pid ?? '?'}) did not finish removing cgroup ${cgroupParent}; see ${logFile}`);
      ctx.note(`engine stopped (${exit ?? 'unknown'})`);
    })());

  const cliEnv = engineCliEnv(files.socket);
  const dagger = path.join(layout.bin, 'dagger');
  for (;;) {
    if (exit !== undefined) {
      await stop();
      throw new Error(`the engine's namespace ended (${exit}) before the engine answered; see ${logFile}:\n${logTail(logFile)}`);
    }
    if (performance.now() - startedAt > READY_TIMEOUT_MS) {
      await stop();
      throw new Error(`the engine did not answer on ${files.socket} within ${READY_TIMEOUT_MS / 1000}s; see ${logFile}`);
    }
    if (existsSync(files.socket)) {
      const probe = await ctx.run('dagger core version', ['timeout', String(PROBE_TIMEOUT_S), dagger, 'core', 'version'], {
        cwd: layout.engineRun,
        env: cliEnv,
        quiet: true,
        allowFailure: true,
      });
      if (probe.exitCode === 0 && probe.stdout.includes(DAGGER_VERSION)) break;
    }
    await sleep(200);
  }
  ctx.say(`engine ${DAGGER_VERSION} answers on ${files.socket} after ${((performance.now() - startedAt) / 1000).toFixed(1)}s`);
  return { socket: files.socket, cliEnv, logFile, stop };
}
