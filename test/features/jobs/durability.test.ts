import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDevServer } from '../../../src/core/temporal/dev-server.js';
import type { DevServer } from '../../../src/core/temporal/dev-server.js';
import { deviceCall, enrolledDevice } from '../../support/devices.js';
import type { TestDevice } from '../../support/devices.js';
import { startTestStack } from '../../support/engine-control.js';
import type { TestStack } from '../../support/engine-control.js';
import { eventually } from '../../support/eventually.js';
import { freePort } from '../../support/ports.js';
import { runScript } from '../../support/process.js';
import type { Running } from '../../support/process.js';
import { tempDir } from '../../support/stack.js';

const result = (outcome: string, exit_code: number) => ({
  outcome,
  exit_code,
  signal: null,
  stdout: `${outcome}\n`,
  stderr: '',
  stdout_truncated: false,
  stderr_truncated: false,
  started_at: new Date().toISOString(),
  finished_at: new Date().toISOString(),
});
const job = (deviceIds: string[], schedule: unknown = { kind: 'now' }) => ({
  name: 'durable',
  script: { interpreter: 'sh', content: 'echo hi' },
  targets: { device_ids: deviceIds },
  schedule,
  timeout_s: 120,
  dispatch_window_s: 120,
});

describe('kill -9 the worker mid-run: no result is lost and no run is doubled', () => {
  const address = inject('temporalAddress');
  let stack: TestStack;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    stack = await startTestStack(address);
    await stack.startWorker();
    for (let i = 0; i < 2; i++) devices.push(await enrolledDevice(stack));
    // From here on the worker is a real process the test kills.
    await stack.stopWorker();
  });
  afterAll(() => stack?.close());

  const worker = async (): Promise<Running> => {
    const run = runScript('start:worker', {
      BORG_DATA_DIR: stack.config.dataDir,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: stack.config.temporal.taskQueue,
    });
    await run.waitForOutput('worker polling');
    return run;
  };

  it('records a result reported while no worker runs, and the run ends once one is back', async () => {
    let running = await worker();
    const [a, b] = devices as [TestDevice, TestDevice];
    const created = await stack.call('POST', '/jobs', { body: job([a.deviceId!, b.deviceId!]) });
    const runs = await eventually(
      () => stack.call('GET', `/jobs/${created.body.id}/runs`),
      (r) => r.body.runs?.length === 1,
    );
    const runId = encodeURIComponent(runs.body.runs[0].id);
    for (const d of [a, b]) expect((await deviceCall(stack, d, 'GET', '/api/agent/work?wait=5')).body.items).toHaveLength(1);
    expect((await deviceCall(stack, a, 'POST', `/api/agent/runs/${runId}/result`, result('succeeded', 0))).body.late).toBe(false);

    process.kill(-running.child.pid!, 'SIGKILL');
    expect(await running.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect((await deviceCall(stack, b, 'POST', `/api/agent/runs/${runId}/result`, result('failed', 2))).body).toEqual({
      status: 'failed',
      late: false,
    });
    expect((await stack.call('GET', `/runs/${runId}`)).body.status).toBe('running');

    running = await worker();
    const ended = await eventually(
      () => stack.call('GET', `/runs/${runId}`),
      (r) => r.body.status === 'finished',
    );
    expect(ended.body.counts).toEqual({ succeeded: 1, failed: 1 });
    expect((await stack.call('GET', `/jobs/${created.body.id}/runs`)).body.runs).toHaveLength(1);
    running.child.kill('SIGTERM');
    expect(await running.exited).toEqual({ code: 0, signal: null });
  });
});

describe('Temporal down and restarted: the job row wins and its schedule follows', () => {
  const dbFile = join(tempDir('borg-jobs-restart-'), 'temporal.db');
  let server: DevServer;
  let port: number;
  let uiPort: number;
  let stack: TestStack;
  let device: TestDevice;
  const start = () => startDevServer({ cli: inject('temporalCli'), dbFile, port, uiPort, namespace: 'default' });

  beforeAll(async () => {
    [port, uiPort] = [await freePort(), await freePort()];
    server = await start();
    stack = await startTestStack(server.address);
    await stack.startWorker();
    device = await enrolledDevice(stack);
  });
  afterAll(async () => {
    await stack?.close();
    await server?.stop();
  });

  it('keeps jobs made while Temporal is down, makes their schedule and their one run when it is back, once', async () => {
    // A job firing every minute across the restart: each fire time makes one run, never two.
    const everyMinute = await stack.call('POST', '/jobs', {
      body: { ...job([device.deviceId!], { kind: 'cron', expression: '* * * * *' }), dispatch_window_s: 1, overlap: 'allow' },
    });
    expect(everyMinute.body.schedule_sync.state).toBe('synced');
    await stack.stopWorker();
    await server.stop();
    const daily = await stack.call('POST', '/jobs', { body: job([device.deviceId!], { kind: 'daily', at: '04:00' }) });
    expect(daily.status).toBe(201);
    expect(daily.body.schedule_sync.state).toBe('pending');
    expect(daily.body.warnings).toContainEqual(expect.stringContaining('could not be brought in line now'));
    const now = await stack.call('POST', '/jobs', { body: job([device.deviceId!]) });
    expect(now.body.schedule_sync.state).toBe('pending');
    expect((await stack.call('GET', `/jobs/${daily.body.id}`)).body.next_runs).toBeNull();

    server = await start();
    await stack.startWorker();
    await eventually(
      () => stack.call('GET', `/jobs/${daily.body.id}`),
      (r) => r.body.schedule_sync.state === 'synced' && r.body.next_runs?.length === 5,
      40_000,
    );
    const runs = await eventually(
      () => stack.call('GET', `/jobs/${now.body.id}/runs`),
      (r) => r.body.runs?.length === 1,
      40_000,
    );
    expect(runs.body.runs[0].trigger).toBe('now');
    const client = new Client({ connection: await Connection.connect({ address: server.address }) });
    try {
      expect((await client.schedule.getHandle(`job-${daily.body.id.slice(4)}`).describe()).state.paused).toBe(false);
    } finally {
      await client.connection.close();
    }
    // Healing again changes nothing: still one run.
    await new Promise((r) => setTimeout(r, 16_000));
    expect((await stack.call('GET', `/jobs/${now.body.id}/runs`)).body.runs).toHaveLength(1);
    const restartedAt = Date.now();
    const fired = await eventually(
      () => stack.call('GET', `/jobs/${everyMinute.body.id}/runs`),
      (r) => r.body.runs?.some((run: any) => run.trigger === 'schedule' && Date.parse(run.scheduled_at) > restartedAt),
      80_000,
    );
    const times = fired.body.runs.map((run: any) => run.scheduled_at);
    expect(new Set(times).size).toBe(times.length);
    for (const t of times) expect(t).toMatch(/:00(\.000)?Z$/);
  }, 240_000);
});
