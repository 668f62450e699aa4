import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deviceCall, enrolledDevice } from '../../support/devices.js';
import type { TestDevice } from '../../support/devices.js';
import { startTestStack } from '../../support/engine-control.js';
import type { TestStack } from '../../support/engine-control.js';

describe('a device waiting for work (real server, real Temporal, real worker)', () => {
  let stack: TestStack;
  let device: TestDevice;

  beforeAll(async () => {
    stack = await startTestStack(inject('temporalAddress'));
    await stack.startWorker();
    device = await enrolledDevice(stack);
  });
  afterAll(() => stack?.close());

  it('is answered when its wait runs out, with nothing', async () => {
    const started = performance.now();
    const reply = await deviceCall(stack, device, 'GET', '/api/agent/work?wait=2');
    expect(reply.body).toEqual({ items: [] });
    // The server held the answer for the whole wait (a lower bound: no race with the clock).
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_900);
  });

  it('is woken by a run made by the worker, another process, long before its wait runs out', async () => {
    const waiting = deviceCall(stack, device, 'GET', '/api/agent/work?wait=60');
    await new Promise((r) => setTimeout(r, 500));
    const created = await stack.call('POST', '/jobs', {
      body: {
        name: 'wake',
        script: { interpreter: 'sh', content: 'true' },
        targets: { device_ids: [device.deviceId] },
        schedule: { kind: 'now' },
      },
    });
    expect(created.status).toBe(201);
    const reply = await waiting;
    expect(reply.body.items).toHaveLength(1);
    expect(reply.body.items[0].job_id).toBe(created.body.id);
  });
});
