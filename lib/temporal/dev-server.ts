import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';

export interface DevServerOptions {
  cli: string;
  dbFile: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** Give up waiting for the server to answer after this long. */
  readyTimeoutMs?: number;
  onOutput?: (line: string) => void;
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
export async function assertPortFree(port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      reject(new DevServerError(`${what} port ${port} is already in use (${err.code}); choose another port or stop what holds it`));
    });
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
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

async function waitUntilServing(address: string, namespace: string, child: ChildProcess, deadline: number, tail: () => string): Promise<void> {
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

/** `<db file>.pid` names the server running on that database while it runs. */
const pidFileOf = (dbFile: string): string => `${dbFile}.pid`;

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * A run killed without a chance to stop its server (SIGKILL) leaves it running in its own process
 * group, holding the ports: stop it, but only if that pid is still a dev server on this very database.
 */
async function stopLeftover(dbFile: string): Promise<number | undefined> {
  let pid: number;
  let cmdline: string;
  try {
    pid = Number(readFileSync(pidFileOf(dbFile), 'utf8'));
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
  if (!cmdline.includes('start-dev') || !cmdline.split('\0').includes(dbFile)) return undefined;
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; running(pid) && waited < 10_000; waited += 100) await sleep(100);
  if (running(pid)) process.kill(pid, 'SIGKILL');
  return pid;
}

/** Starts `temporal server start-dev` on loopback with its state in `dbFile`, and waits until it serves. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const leftoverPid = await stopLeftover(options.dbFile);
  await assertPortFree(options.port, 'BORG_TEMPORAL_PORT (Temporal gRPC)');
  await assertPortFree(options.uiPort, 'BORG_TEMPORAL_UI_PORT (Temporal UI)');
  const args = [
    'server', 'start-dev',
    '--db-filename', options.dbFile,
    '--ip', '127.0.0.1',
    '--port', String(options.port),
    '--ui-port', String(options.uiPort),
    '--namespace', options.namespace,
    '--log-level', 'warn',
  ];
  // Own process group: a terminal's Ctrl-C must reach only us, so the worker drains before the server stops.
  const child = spawn(options.cli, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid !== undefined) writeFileSync(pidFileOf(options.dbFile), String(child.pid));
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const recent: string[] = [];
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      options.onOutput?.(line);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
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
    rmSync(pidFileOf(options.dbFile), { force: true });
  };
  try {
    const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
    await Promise.race([waitUntilServing(address, options.namespace, child, deadline, () => recent.slice(-5).join(' | ')), spawnError]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, uiUrl: `http://127.0.0.1:${options.uiPort}`, pid: child.pid!, leftoverPid, stop };
}
