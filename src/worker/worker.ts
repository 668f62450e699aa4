import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from './activities/index.js';
import type { JobsConfig, TemporalConfig } from '../core/config/config.js';
import type { Db } from '../core/db/database.js';
import { StartupError } from '../core/errors.js';
import { connectionSettings } from '../core/temporal/connection.js';
import { ensureSearchAttributes } from '../core/temporal/search-attributes.js';
import { ensureHistoryPurgeSchedule } from '../features/jobs/flows/history-purge-schedule.js';
import { searchAttributeKeys } from './search-attributes.js';

export const workflowsPath = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

let bundled: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Webpack-bundles the workflow code once per process: a worker restart then takes milliseconds, not seconds. */
function workflowBundle(log: Logger): Promise<WorkflowBundleWithSourceMap> {
  const quiet = (): void => undefined;
  bundled ??= bundleWorkflowCode({
    workflowsPath,
    logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: (m) => log.warn(m), error: (m) => log.error(m) },
  }).catch((err: unknown) => {
    bundled = undefined;
    throw err;
  });
  return bundled;
}

export interface WorkerHandle {
  worker: Worker;
  /** Resolves when the worker has stopped; rejects if it crashed. */
  running: Promise<void>;
  /** Stops polling, lets running activities finish, closes the connection. */
  stop(): Promise<void>;
}

export interface StartWorkerOptions {
  temporal: TemporalConfig;
  address: string;
  db: Db;
  log: Logger;
  jobs: JobsConfig;
}

export async function startWorker({ temporal, address, db, log, jobs }: StartWorkerOptions): Promise<WorkerHandle> {
  const settings = connectionSettings(temporal, address);
  try {
    await ensureSearchAttributes(settings, temporal.namespace, searchAttributeKeys);
  } catch (err) {
    // The first call to the server: when it fails, say which setting points there rather than print gRPC's stack.
    const setting = temporal.address ? ' (TEMPORAL_ADDRESS)' : '';
    throw new StartupError(
      `Temporal at ${address}${setting} failed the first call (registering search attributes): ${(err as Error).message}`,
      { cause: err },
    );
  }
  const connection = await NativeConnection.connect(settings);
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      workflowBundle: await workflowBundle(log),
      activities: createActivities({ db }),
    });
    // The worker runs the purge, so it keeps the purge's schedule at this process's retention.
    await ensureHistoryPurgeSchedule(new Client({ connection, namespace: temporal.namespace }), temporal.taskQueue, jobs.historyDays);
  } catch (err) {
    await connection.close();
    throw err;
  }
  const running = worker.run().finally(() => connection.close());
  log.info({ taskQueue: temporal.taskQueue, namespace: temporal.namespace, address }, 'worker polling');
  return {
    worker,
    running,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}
