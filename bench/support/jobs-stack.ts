import { randomUUID } from 'node:crypto';
import { chmodSync, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { closeDatabase } from '../../src/core/db/database.js';
import { openMigratedDatabase } from '../../src/core/db/open.js';
import { ensureTemporalCli } from '../../src/core/temporal/cli.js';
import { startDevServer } from '../../src/core/temporal/dev-server.js';
import type { DevServer } from '../../src/core/temporal/dev-server.js';
import { ApiKeys } from '../../src/features/operators/api-keys.js';
import { freePort } from '../../test/support/ports.js';
import { serve } from './serve.js';
import type { Served } from './serve.js';

/** The enrollment limiter's limits in the bench stack: high enough never to refuse a call. */
const NO_LIMIT = '1000000';

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

/**
 * `serverArgs`: more flags for `temporal server start-dev` (a dynamic config value, a SQLite pragma), for runs that
 * try the dev server's limits. startDevServer takes no extra flags, so a wrapper script adds them to its command.
 */
export async function startJobsStack(serverArgs: string[] = []): Promise<JobsStack> {
  const temporalDir = mkdtempSync(join(tmpdir(), 'borg-bench-temporal-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'borg-bench-'));
  let cli = await ensureTemporalCli(process.env.BORG_TEMPORAL_CLI, (line) => console.error(line));
  if (serverArgs.length > 0) {
    const wrapper = join(temporalDir, 'temporal');
    const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;
    // exec: the server keeps the wrapper's pid, which the bench reads the CPU of.
    writeFileSync(wrapper, `#!/bin/sh\nexec ${quote(cli)} "$@" ${serverArgs.map(quote).join(' ')}\n`);
    chmodSync(wrapper, 0o755);
    cli = wrapper;
  }
  const temporal = await startDevServer({
    cli,
    dbFile: join(temporalDir, 'temporal.db'),
    port: await freePort(),
    uiPort: await freePort(),
    namespace: 'default',
  });
  const db = openMigratedDatabase({ file: join(dataDir, 'borg.db'), autoMigrate: true, log: pino({ level: 'silent' }) });
  const adminKey = new ApiKeys(db).create({ actor: 'bench', requestId: null }, 'bench admin', 'admin').key;
  closeDatabase(db);
  const apiPort = await freePort();
  const env = {
    BORG_DATA_DIR: dataDir,
    BORG_API_PORT: String(apiPort),
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: `bench-${randomUUID()}`,
    BORG_ENROLL_RATE_PER_KEY: NO_LIMIT,
    BORG_ENROLL_RATE_PER_ADDRESS: NO_LIMIT,
  };
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
