import type { KeyObject } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { WorkDispatcher } from './dispatch/dispatcher.js';
import { JobTemporalClient } from './flows/temporal-client.js';
import type { JobDevices } from './ports.js';
import { RunRepository } from './repositories/runs.js';
import { RunService } from './run-service.js';
import { JobService } from './service.js';

/** What the entry point hands jobs from the devices feature, which jobs may not import. */
export interface JobsBridge {
  devices: JobDevices;
  /** The private job-signing key, whose public half devices got at enrollment. */
  signingKey: KeyObject;
  /** The device a request was admitted for by the `device` auth scheme. */
  deviceOf: (request: FastifyRequest) => string | undefined;
}

export interface Jobs {
  jobs: JobService;
  runs: RunService;
  deviceOf: (request: FastifyRequest) => string | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    jobsBridge: JobsBridge;
    jobs: Jobs;
  }
}

/** How often schedules that lag their job (Temporal was away) are brought in line. */
const HEAL_EVERY_MS = 15_000;

/** Jobs and their runs: schedules in Temporal, dispatch to devices; built once per process. */
export default fp(
  async (app: FastifyInstance) => {
    const bridge = app.jobsBridge;
    const temporal = new JobTemporalClient(app.temporal.client, app.temporal.taskQueue, app.log, app.config.jobs.catchupWindowS);
    const dispatcher = new WorkDispatcher(new RunRepository(app.db), (err) =>
      app.log.warn({ err }, 'could not look for new work for waiting devices; trying again shortly'),
    );
    const jobs = new JobService(app.db, temporal, bridge.devices, app.log);
    const runs = new RunService(app.db, temporal, dispatcher, bridge.signingKey, (runId, err) =>
      app.log.debug({ err, run_id: runId }, 'a run was not told of a result; it looks again at its next deadline'),
    );
    app.decorate('jobs', { jobs, runs, deviceOf: bridge.deviceOf });

    const heal = () =>
      jobs
        .heal()
        .catch((err: unknown) => app.log.warn({ err }, 'could not bring job schedules in line with Temporal; trying again shortly'));
    const healer = setInterval(() => void heal(), HEAL_EVERY_MS);
    healer.unref();
    app.addHook('onReady', async () => {
      void heal();
    });
    // Before the server stops taking requests: devices waiting for work get their answer now, not after a minute.
    app.addHook('preClose', async () => {
      clearInterval(healer);
      dispatcher.wakeAll();
    });
  },
  { name: 'jobs', dependencies: ['db', 'temporal', 'auth', 'jobs-bridge'] },
);
