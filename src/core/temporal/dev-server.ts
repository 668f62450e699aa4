import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { tryLock } from '../process/file-lock.js';
import type { FileLock } from '../process/file-lock.js';
import { bindError } from '../process/ports.js';
import { claimServer, heldElsewhere, lockFileOf, lockOnceOwnerDies, releaseServer, stopLeftover } from './leftover.js';

export interface DevServerOptions {
  cli: string;
  dbFile: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** Give up waiting for the server to answer after this long. */
  readyTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  pid: number;
  /** The pid of a server an earlier run left on the same database and that this start stopped first. */
  leftoverPid: number | undefined;
  stop(): Promise<void>;
}

export class DevServerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DevServerError';
  }
}

/** Fails fast with a useful message instead of a server that dies on bind. */
async function assertPortFree(port: number, what: string): Promise<void> {
  const code = await bindError(port);
  if (code) throw new DevServerError(`${what} port ${port} is already in use (${code}); choose another port or stop what holds it`);
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function waitUntilServing(
  address: string,
  namespace: string,
  child: ChildProcess,
  deadline: number,
  tail: () => string,
): Promise<void> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new DevServerError(`temporal server exited with code ${child.exitCode} before it was ready: ${tail()}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new DevServerError(`temporal server did not answer on ${address} in time (${String(lastError)}): ${tail()}`);
}

/**
 * The server's environment without OpenTelemetry settings: they are meant for whatever runs BorgOS (Dagger sets them in
 * every container), and the server, which exports traces over gRPC only, refuses to start on `http/protobuf`.
 */
const serverEnv = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('OTEL_')));

/** Where the server writes its own output; each start moves the last run's to `<log>.1`. */
export const serverLogOf = (dbFile: string): string => `${dbFile}.log`;

function lastLines(file: string, count: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(-count).join(' | ');
  } catch {
    return '';
  }
}

/**
 * Starts `temporal server start-dev` on loopback with its state in `dbFile`, and waits until it serves. It holds a
 * lock on the database until `stop()`, so two BorgOS started at the same instant cannot both own one server.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const lock = tryLock(lockFileOf(options.dbFile)) ?? (await lockOnceOwnerDies(options.dbFile, () => tryLock(lockFileOf(options.dbFile))));
  if (!lock) throw heldElsewhere(options.dbFile);
  try {
    return await startLocked(options, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function startLocked(options: DevServerOptions, lock: FileLock): Promise<DevServer> {
  const leftoverPid = await stopLeftover(options.dbFile, [options.port, options.uiPort]);
  await assertPortFree(options.port, 'BORG_TEMPORAL_PORT (Temporal gRPC)');
  await assertPortFree(options.uiPort, 'BORG_TEMPORAL_UI_PORT (Temporal UI)');
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    options.dbFile,
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--namespace',
    options.namespace,
    '--log-level',
    'warn',
    // Its SQLite store's defaults (a rollback journal, a sync per commit) stall under 50–100 schedules firing on
    // one second, and stalled fires past their catch-up window are lost; measured in docs/benchmarks.md (Jobs).
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
  ];
  // A file, not a pipe: a Go program that writes to a pipe nobody reads dies of SIGPIPE, so a server outliving a
  // killed run would die mid-write on its next line instead of shutting down cleanly when the next start stops it.
  const logFile = serverLogOf(options.dbFile);
  if (existsSync(logFile)) renameSync(logFile, `${logFile}.1`);
  const out = openSync(logFile, 'w');
  // Own process group: a terminal's Ctrl-C must reach only us, so the worker drains before the server stops.
  const child = spawn(options.cli, args, { stdio: ['ignore', out, out], detached: true, env: serverEnv(process.env) });
  closeSync(out);
  if (child.pid !== undefined) claimServer(options.dbFile, child.pid);
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) => reject(new DevServerError(`could not run ${options.cli}: ${err.message}`))),
  );

  const address = `127.0.0.1:${options.port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 10_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
    }
    releaseServer(options.dbFile);
    lock.release();
  };
  try {
    const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
    await Promise.race([waitUntilServing(address, options.namespace, child, deadline, () => lastLines(logFile, 5)), spawnError]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, uiUrl: `http://127.0.0.1:${options.uiPort}`, pid: child.pid!, leftoverPid, stop };
}
