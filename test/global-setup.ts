import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureTemporalCli } from '../src/core/temporal/cli.js';
import { startDevServer } from '../src/core/temporal/dev-server.js';
import { freePort } from './support/ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalCli: string;
  }
}

/** One real Temporal dev server for the whole run, on free ports, state in a temp dir. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'borg-test-temporal-'));
  const cli = await ensureTemporalCli(process.env.BORG_TEMPORAL_CLI, (line) => console.log(line));
  const server = await startDevServer({
    cli,
    dbFile: join(dir, 'temporal.db'),
    port: await freePort(),
    uiPort: await freePort(),
    namespace: 'default',
  });
  project.provide('temporalAddress', server.address);
  project.provide('temporalCli', cli);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
