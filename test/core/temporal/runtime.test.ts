import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Runtime } from '@temporalio/worker';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../src/core/config/config.js';
import type { Db } from '../../../src/core/db/database.js';
import { openMigratedDatabase } from '../../../src/core/db/open.js';
import { installTemporalRuntime } from '../../../src/core/temporal/runtime.js';
import { startWorker } from '../../../src/worker/worker.js';
import type { WorkerHandle } from '../../../src/worker/worker.js';
import { eventually } from '../../support/eventually.js';
import { tempDir } from '../../support/stack.js';

interface Line {
  level: number;
  msg: string;
  component?: string;
  [key: string]: unknown;
}

// The Temporal Runtime can be installed once per process; vitest gives this file a process of its own.
describe('installTemporalRuntime', () => {
  const lines: Line[] = [];
  const log = pino({ level: 'trace', base: { app: 'borg' } }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  let db: Db | undefined;
  let worker: WorkerHandle | undefined;

  afterAll(async () => {
    await worker?.stop();
    db?.close();
  });

  it("routes the SDK's own log lines into our JSON log, tagged component temporal-sdk", async () => {
    installTemporalRuntime(log);
    expect(Runtime.instance().options.shutdownSignals).toEqual([]);

    const dir = tempDir();
    const taskQueue = `test-runtime-${randomUUID()}`;
    const config = loadConfig({ BORG_DATA_DIR: dir, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: taskQueue });
    db = openMigratedDatabase({ file: join(dir, 'borg.db'), autoMigrate: true, log: pino({ level: 'silent' }) });
    worker = await startWorker({
      temporal: config.temporal,
      address: inject('temporalAddress'),
      db,
      log: pino({ level: 'silent' }),
      jobs: config.jobs,
    });

    const running = await eventually(
      () => lines.find((l) => l.msg === 'Worker state changed' && l.state === 'RUNNING'),
      (line) => line !== undefined,
      10_000,
    );
    expect(running).toMatchObject({ level: 30, app: 'borg', component: 'temporal-sdk', taskQueue, sdkComponent: 'worker' });

    await worker.stop();
    worker = undefined;
    const stopped = await eventually(
      () => lines.find((l) => l.msg === 'Worker state changed' && l.state === 'STOPPED'),
      (line) => line !== undefined,
      10_000,
    );
    expect(stopped).toMatchObject({ component: 'temporal-sdk', taskQueue });
    // Our logger takes everything; the SDK's DEBUG and TRACE stay out because the runtime is installed at INFO.
    expect(lines.filter((l) => l.component === 'temporal-sdk').every((l) => l.level >= 30)).toBe(true);
  });
});
