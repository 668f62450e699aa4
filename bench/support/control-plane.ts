import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { closeDatabase } from '../../src/core/db/database.js';
import { openMigratedDatabase } from '../../src/core/db/open.js';
import { ensureTemporalCli } from '../../src/core/temporal/cli.js';
import { startDevServer } from '../../src/core/temporal/dev-server.js';
import type { DevServer } from '../../src/core/temporal/dev-server.js';
import { ApiKeys } from '../../src/features/operators/api-keys.js';
import { freePort } from '../../test/support/ports.js';

/** The enrollment limiter's limits in a bench stack: high enough never to refuse a call. */
export const NO_LIMIT = '1000000';

/** What every bench stack starts from, before it starts the API and the worker with `env`. */
export interface ControlPlaneBase {
  temporalDir: string;
  dataDir: string;
  temporal: DevServer;
  adminKey: string;
  apiPort: number;
  /** The environment the API and the worker share: data dir, port, Temporal, a task queue of their own, no enroll limits. */
  env: Record<string, string>;
}

/**
 * A Temporal dev server and a migrated database with an admin key, in fresh temporary directories. `serverArgs`:
 * more flags for `temporal server start-dev`, for runs that try the dev server's limits; startDevServer takes no
 * extra flags, so a wrapper script adds them to its command.
 */
export async function startControlPlaneBase(serverArgs: readonly string[] = []): Promise<ControlPlaneBase> {
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
  return { temporalDir, dataDir, temporal, adminKey, apiPort, env };
}
