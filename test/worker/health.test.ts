import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/core/config/config.js';
import { readMigrations } from '../../src/core/db/migrations.js';
import { MetaRepository } from '../../src/core/db/meta.js';
import { openMigratedDatabase } from '../../src/core/db/open.js';
import type { Db } from '../../src/core/db/database.js';
import { startWorker } from '../../src/worker/worker.js';
import type { WorkerHandle } from '../../src/worker/worker.js';
import { healthWorkflow } from '../../src/worker/workflows/health.js';
import { tempDir } from '../support/stack.js';

describe('healthWorkflow through a real worker and server', () => {
  const taskQueue = `test-health-${randomUUID()}`;
  const log = pino({ level: 'silent' });
  let db: Db;
  let worker: WorkerHandle;
  let connection: Connection;

  beforeAll(async () => {
    const dir = tempDir();
    const config = loadConfig({ BORG_DATA_DIR: dir, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: taskQueue });
    db = openMigratedDatabase({ file: join(dir, 'borg.db'), autoMigrate: true, log });
    worker = await startWorker({ temporal: config.temporal, address: inject('temporalAddress'), db, log, jobs: config.jobs });
    connection = await Connection.connect({ address: inject('temporalAddress') });
  });
  afterAll(async () => {
    await worker.stop();
    await connection.close();
    db.close();
  });

  it('runs the activity against the database and returns its answer', async () => {
    const client = new Client({ connection });
    const result = await client.workflow.execute(healthWorkflow, { taskQueue, workflowId: `health-${randomUUID()}` });
    expect(result.database).toEqual({ instanceId: new MetaRepository(db).instanceId(), schemaVersion: readMigrations().length });
  });

  it('stops cleanly: the worker drains and its promise resolves', async () => {
    await worker.stop();
    expect(worker.worker.getState()).toBe('STOPPED');
  });
});
