import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { enrollRequest, installCode, newDevice, poll, pollUntilSettled } from '../../../support/devices.js';
import type { TestDevice } from '../../../support/devices.js';
import { startTestStack } from '../../../support/engine-control.js';
import type { TestStack } from '../../../support/engine-control.js';
import { runScript } from '../../../support/process.js';
import type { Running } from '../../../support/process.js';

const { EventType } = temporal.api.enums.v1;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kill -9 the worker mid-approval: the approval still arrives, and the credentials are delivered once', () => {
  const address = inject('temporalAddress');
  let stack: TestStack;
  let connection: Connection;
  let client: Client;

  beforeAll(async () => {
    // The API in this process, without a worker: the workers are real processes the test kills.
    stack = await startTestStack(address, undefined, { BORG_ENROLL_RATE_PER_KEY: '1000', BORG_ENROLL_RATE_PER_ADDRESS: '10000' });
    connection = await Connection.connect({ address });
    client = new Client({ connection, namespace: 'default' });
  });
  afterAll(async () => {
    await connection?.close();
    await stack?.close();
  });

  /** `npm run start:worker` on the API's database and task queue, once it polls. */
  async function worker(): Promise<Running> {
    const run = runScript('start:worker', {
      BORG_DATA_DIR: stack.config.dataDir,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: stack.config.temporal.taskQueue,
    });
    await run.waitForOutput('worker polling');
    return run;
  }

  async function kill9(run: Running): Promise<void> {
    process.kill(-run.child.pid!, 'SIGKILL');
    expect(await run.exited).toEqual({ code: null, signal: 'SIGKILL' });
  }

  async function stop(run: Running): Promise<void> {
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
  }

  const history = async (device: TestDevice) =>
    (await client.workflow.getHandle(`enroll-${device.fingerprint}`).fetchHistory()).events ?? [];
  const hasEvent = async (device: TestDevice, type: temporal.api.enums.v1.EventType) =>
    (await history(device)).some((event) => event.eventType === type);

  /** A device whose enrollment (a code that needs an operator) is pending, its flow's first task done by a worker. */
  async function pendingDevice(hostname: string): Promise<TestDevice> {
    const device = newDevice();
    const asked = await enrollRequest(stack, device, await installCode(stack), hostname);
    expect(asked.body).toMatchObject({ status: 'pending' });
    // The flow ran on the worker that is about to die, so Temporal holds it as that worker's (sticky) work.
    for (const deadline = Date.now() + 20_000; !(await hasEvent(device, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED));) {
      if (Date.now() > deadline) throw new Error(`no worker ran enroll-${device.fingerprint}`);
      await sleep(50);
    }
    return device;
  }

  /** What the approve call answered; 504 means no worker applied it within 10 s, which then must still happen. */
  function expectApproveAnswer(approved: { status: number; body: any }): void {
    if (approved.status === 200) {
      expect(approved.body).toMatchObject({ reference: expect.any(String), status: 'approved', device_id: expect.stringMatching(/^dev_/) });
    } else {
      expect(approved.status).toBe(504);
      expect(approved.body.error.code).toBe('DECISION_NOT_CONFIRMED');
    }
  }

  /** The approval landed: credentials go out once, the enrollment says so, and there is exactly one device. */
  async function expectDeliveredOnce(device: TestDevice, approved: { status: number; body: any }): Promise<void> {
    const reply = await pollUntilSettled(stack, device, 90_000);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: 'approved', token_type: 'DPoP', device_id: expect.stringMatching(/^dev_/) });
    if (approved.status === 200) expect(reply.body.device_id).toBe(approved.body.device_id);
    const again = await poll(stack, device);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('credentials_delivered');

    const view = await stack.call('GET', `/enrollments/${device.reference}`);
    expect(view.body).toMatchObject({ status: 'approved', credentials_delivered: true, device_id: reply.body.device_id });
    const rows = stack.db.prepare('SELECT id FROM devices WHERE fingerprint = ?').all(device.fingerprint);
    expect(rows).toEqual([{ id: reply.body.device_id }]);
    const approvals = stack.db
      .prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'enrollment.approved' AND details LIKE ?")
      .get(`%"${device.reference}"%`) as { n: number };
    expect(approvals.n).toBe(1);
  }

  it('when the worker is dead as the operator approves: a new worker applies it', async () => {
    const first = await worker();
    const device = await pendingDevice('killed-before-1');
    await kill9(first);

    const started = Date.now();
    const approving = stack.call('POST', `/enrollments/${device.reference}/approve`, { body: {} });
    await sleep(1000);
    const second = await worker();
    const approved = await approving;
    console.info(`worker-kill (dead before approve): approve answered ${approved.status} after ${Date.now() - started} ms`);
    expectApproveAnswer(approved);

    await expectDeliveredOnce(device, approved);
    console.info(`worker-kill (dead before approve): credentials after ${Date.now() - started} ms`);
    await stop(second);
  }, 180_000);

  it('when the worker dies while it applies the decision: a new worker finishes it, once', async () => {
    const first = await worker();
    const device = await pendingDevice('killed-during-1');

    const started = Date.now();
    const approving = stack.call('POST', `/enrollments/${device.reference}/approve`, { body: {} });
    for (const deadline = Date.now() + 20_000; !(await hasEvent(device, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED));) {
      if (Date.now() > deadline) throw new Error('the worker never accepted the decision');
    }
    await kill9(first);
    const settledAtKill = stack.db.prepare('SELECT status FROM enrollments WHERE reference = ?').get(device.reference) as {
      status: string;
    };
    console.info(`worker-kill (dies while applying): killed ${Date.now() - started} ms after approve; enrollment ${settledAtKill.status}`);

    const second = await worker();
    const approved = await approving;
    console.info(`worker-kill (dies while applying): approve answered ${approved.status} after ${Date.now() - started} ms`);
    expectApproveAnswer(approved);

    await expectDeliveredOnce(device, approved);
    console.info(`worker-kill (dies while applying): credentials after ${Date.now() - started} ms`);
    // The flow itself finishes too: the update completes in its history and the workflow ends approved.
    const handle = client.workflow.getHandle(`enroll-${device.fingerprint}`);
    expect(await handle.result()).toBe('approved');
    const events = await history(device);
    expect(events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)).toHaveLength(1);
    expect(events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED)).toHaveLength(1);
    await stop(second);
  }, 180_000);
});
