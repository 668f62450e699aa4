import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deviceCall, enrollRequest, enrolledDevice, heartbeatBody, installCode, newDevice } from '../../support/devices.js';
import { startTestStack } from '../../support/engine-control.js';
import type { TestStack } from '../../support/engine-control.js';
import { startTestApi } from '../../support/stack.js';
import type { TestApi } from '../../support/stack.js';
import { openStream } from './support.js';
import type { TestStream } from './support.js';

const about = (stream: TestStream, subject: string) => stream.events.filter((e) => e.subject === subject).map((e) => e.type);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('device events (real server, real Temporal, real worker)', () => {
  let stack: TestStack;
  let stream: TestStream;

  beforeAll(async () => {
    stack = await startTestStack(inject('temporalAddress'));
    await stack.startWorker();
    stream = await openStream(stack.url, stack.adminKey, { query: '?types=device.*' });
  });
  afterAll(async () => {
    stream?.close();
    await stack?.close();
  });

  it('announces an enrollment requested, then approved (the device exists), and its first heartbeat once', async () => {
    const device = newDevice();
    await enrollRequest(stack, device, await installCode(stack), 'kiosk-events-1');
    const approved = await stack.call('POST', `/enrollments/${device.reference}/approve`, { body: { tags: ['floor-3'] } });
    expect(approved.status).toBe(200);
    const deviceId = approved.body.device_id as string;
    await stream.waitFor(2);
    expect(stream.events.find((e) => e.subject === device.reference)).toMatchObject({
      type: 'device.enrollment_requested',
      data: { fingerprint: device.fingerprint, hostname: 'kiosk-events-1', approval: 'operator' },
    });
    expect(stream.events.find((e) => e.subject === deviceId)).toMatchObject({
      type: 'device.enrolled',
      data: { reference: device.reference, hostname: 'kiosk-events-1', tags: ['floor-3'], decided_by: expect.stringMatching(/^operator:/) },
    });

    const credentials = await enrolledDevice(stack, 'kiosk-events-2');
    for (let i = 0; i < 3; i++)
      expect((await deviceCall(stack, credentials, 'POST', '/api/agent/heartbeat', heartbeatBody)).status).toBe(200);
    await stream.waitFor(5);
    await sleep(1000);
    expect(about(stream, credentials.deviceId!)).toEqual(['device.enrolled', 'device.online']);
    expect(stream.events.find((e) => e.type === 'device.online')!.data).toEqual({ hostname: 'kiosk-events-2' });
  });

  it('announces a denied enrollment with its reason', async () => {
    const seen = stream.events.length;
    const device = newDevice();
    await enrollRequest(stack, device, await installCode(stack), 'denied-events-1');
    await stack.call('POST', `/enrollments/${device.reference}/deny`, { body: { reason: 'not ours' } });
    await stream.waitFor(seen + 2);
    await sleep(500);
    expect(about(stream, device.reference!)).toEqual(['device.enrollment_requested', 'device.enrollment_denied']);
    expect(stream.events.at(-1)!.data).toMatchObject({ hostname: 'denied-events-1', reason: 'not ours', fingerprint: device.fingerprint });
  });
});

describe('online and offline with two API replicas on one database', () => {
  let a: TestStack;
  let b: TestApi;
  // The shortest settings: offline after one missed 5 s heartbeat.
  const liveness = { BORG_HEARTBEAT_INTERVAL: '5s', BORG_OFFLINE_AFTER_MISSED: '1' };

  beforeAll(async () => {
    a = await startTestStack(inject('temporalAddress'), undefined, liveness);
    await a.startWorker();
    b = await startTestApi(inject('temporalAddress'), {
      ...liveness,
      BORG_DATA_DIR: a.config.dataDir,
      TEMPORAL_TASK_QUEUE: a.config.temporal.taskQueue,
    });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('announces each transition once, whichever replica sees it, and streams it from both', async () => {
    const onA = await openStream(a.url, a.adminKey, { query: '?types=device.online,device.offline' });
    const onB = await openStream(b.url, a.adminKey, { query: '?types=device.online,device.offline' });
    const device = await enrolledDevice(a, 'replicated-1');
    const beat = (replica: { url: string }) => deviceCall(replica, device, 'POST', '/api/agent/heartbeat', heartbeatBody);

    // Both replicas at once, then each again: one device.online between them.
    expect((await Promise.all([beat(a), beat(b)])).map((r) => r.status)).toEqual([200, 200]);
    await beat(b);
    await onB.waitFor(1);
    // Missed: both replicas sweep every 2 s, one device.offline between them.
    await onA.waitFor(2, 15_000);
    await sleep(4000);
    await beat(a);
    await onB.waitFor(3);
    await sleep(1000);
    for (const stream of [onA, onB]) expect(about(stream, device.deviceId!)).toEqual(['device.online', 'device.offline', 'device.online']);
    expect(onA.events[1]!.data).toEqual({ hostname: 'replicated-1', last_seen_at: expect.any(String) });
    expect(onA.events.map((e) => e.id)).toEqual(onB.events.map((e) => e.id));
    onA.close();
    onB.close();
  });
});
