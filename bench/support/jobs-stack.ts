import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DevServer } from '../../src/core/temporal/dev-server.js';
import { startControlPlaneBase } from './control-plane.js';
import { serve } from './serve.js';
import type { Served } from './serve.js';

/** An answer of the API; `T` is the shape the caller expects of a 2xx body (an error body is `{ error }`). */
export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** The real control plane, as bench:devices runs it: a Temporal dev server, the API and the worker, each a process of its own. */
export interface JobsStack {
  base: string;
  temporal: DevServer;
  /** A client of the Temporal server, to read the run workflows' own start times. */
  client: Client;
  api: Served;
  worker: Served;
  pids: { api: number; worker: number; temporal: number };
  /** Where the API's and the worker's output goes (api.log, worker.log): the server side of a failed request. */
  logDir: string;
  /** An operator call with the admin key; never throws on an HTTP status. */
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<Reply<T>>;
  /** Stops everything and removes its files; the logs stay when `keepLogs`. */
  stop(keepLogs: boolean): Promise<void>;
}

/** `serverArgs`: more flags for `temporal server start-dev` (see startControlPlaneBase). */
export async function startJobsStack(serverArgs: string[] = []): Promise<JobsStack> {
  const { temporalDir, dataDir, temporal, adminKey, apiPort, env } = await startControlPlaneBase(serverArgs);
  const [api, worker] = await Promise.all([serve('src/main/api.ts', env, /API ready/), serve('src/main/worker.ts', env, /worker polling/)]);
  // Their output is read from the pipe they write to anyway: logging to a file of their own would cost them CPU.
  const logDir = mkdtempSync(join(tmpdir(), 'borg-bench-jobs-logs-'));
  for (const [name, served] of [
    ['api', api],
    ['worker', worker],
  ] as const) {
    const log = createWriteStream(join(logDir, `${name}.log`));
    served.child.stdout?.pipe(log);
    served.child.stderr?.pipe(log);
  }
  const connection = await Connection.connect({ address: temporal.address });
  const base = `http://127.0.0.1:${apiPort}`;
  return {
    base,
    temporal,
    client: new Client({ connection, namespace: 'default' }),
    api,
    worker,
    pids: { api: api.child.pid!, worker: worker.child.pid!, temporal: temporal.pid },
    logDir,
    async call<T>(method: string, path: string, body?: unknown): Promise<Reply<T>> {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
    },
    async stop(keepLogs) {
      await connection.close();
      await Promise.all([api.stop(), worker.stop()]);
      await temporal.stop();
      for (const dir of [temporalDir, dataDir, ...(keepLogs ? [] : [logDir])]) rmSync(dir, { recursive: true, force: true });
    },
  };
}
