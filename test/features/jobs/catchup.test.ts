import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDevServer } from '../../../src/core/temporal/dev-server.js';
import type { DevServer } from '../../../src/core/temporal/dev-server.js';
import { startTestStack } from '../../support/engine-control.js';
import type { TestStack } from '../../support/engine-control.js';
import { eventually } from '../../support/eventually.js';
import { freePort } from '../../support/ports.js';
import { tempDir } from '../../support/stack.js';

const everyMinute = (overlap: string) => ({
  name: 'catch-up',
  script: { interpreter: 'sh', content: 'true' },
  targets: { tags: ['nobody-has-this'] },
  schedule: { kind: 'cron', expression: '* * * * *' },
  overlap,
});

const scheduledTimes = async (stack: TestStack, id: string): Promise<number[]> =>
  (await stack.call('GET', `/jobs/${id}/runs`)).body.runs
    .filter((run: { trigger: string }) => run.trigger === 'schedule')
    .map((run: { scheduled_at: string }) => Date.parse(run.scheduled_at));

// Two APIs on one Temporal: one lets a fire come 10 minutes late, one only 10 s. Temporal is down for 70 s, so at
// least one fire falls due at least 10 s before it is back: the first runs it late, the second counts it missed.
describe('fires due while Temporal is down: run late within the catch-up window, counted as missed beyond it', () => {
  const dbFile = join(tempDir('borg-jobs-catchup-'), 'temporal.db');
  let server: DevServer;
  let port: number;
  let uiPort: number;
  let patient: TestStack;
  let strict: TestStack;
  const start = () => startDevServer({ cli: inject('temporalCli'), dbFile, port, uiPort, namespace: 'default' });

  beforeAll(async () => {
    [port, uiPort] = [await freePort(), await freePort()];
    server = await start();
    patient = await startTestStack(server.address);
    strict = await startTestStack(server.address, undefined, { BORG_JOB_CATCHUP_WINDOW_S: '10' });
    await patient.startWorker();
    await strict.startWorker();
  });
  afterAll(async () => {
    await patient?.close();
    await strict?.close();
    await server?.stop();
  });

  it('runs the fire late with the default window and reports it missed with a 10 s one', async () => {
    const late = (await patient.call('POST', '/jobs', { body: everyMinute('allow') })).body;
    const missed = (await strict.call('POST', '/jobs', { body: everyMinute('allow') })).body;
    expect([late.schedule_sync.state, missed.schedule_sync.state]).toEqual(['synced', 'synced']);
    expect((await strict.call('GET', `/jobs/${missed.id}`)).body.missed_fires).toBe(0);

    await server.stop();
    const downAt = Date.now();
    await new Promise((r) => setTimeout(r, 70_000));
    server = await start();
    const backAt = Date.now();
    // A whole minute due while Temporal was away, 10 s or more before it came back.
    const dueWhileDown = Math.ceil(downAt / 60_000) * 60_000;
    expect(dueWhileDown).toBeLessThanOrEqual(backAt - 10_000);

    const shown = await eventually(
      () => strict.call('GET', `/jobs/${missed.id}`),
      (r) => r.body.missed_fires >= 1,
      60_000,
    );
    expect(shown.body.missed_fires).toBeGreaterThanOrEqual(1);
    await eventually(
      () => scheduledTimes(patient, late.id),
      (times) => times.includes(dueWhileDown),
      60_000,
    );
    expect(await scheduledTimes(strict, missed.id)).not.toContain(dueWhileDown);
    expect((await patient.call('GET', `/jobs/${late.id}`)).body.missed_fires).toBe(0);
  }, 240_000);
});
