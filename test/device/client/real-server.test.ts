import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  CREDENTIALS_FILE,
  DeviceApiError,
  DeviceClient,
  EnrollmentDeniedError,
  EnrollmentExpiredError,
  KEY_FILE,
} from '../../../device/client/index.js';
import type { EnrollmentStatus, HeartbeatRequest } from '../../../device/client/index.js';
import { installCode } from '../../support/devices.js';
import { startTestStack } from '../../support/engine-control.js';
import type { TestStack } from '../../support/engine-control.js';
import { eventually } from '../../support/eventually.js';
import { tempDir } from '../../support/stack.js';
import { node18OrFallback } from '../node18.js';

const probe = resolve(import.meta.dirname, 'real-server-probe.mjs');
const run = promisify(execFile);

const inventory: HeartbeatRequest = {
  agent_version: '0.1.0',
  os: 'Debian GNU/Linux 12 (bookworm)',
  kernel: '6.1.0-28-amd64',
  profile: 'edge-iot',
  uptime_s: 4242,
  services: [
    { name: 'borg-agent', state: 'running' },
    { name: 'ssh', state: 'running' },
  ],
};

const newClient = (stack: TestStack, stateDir = join(tempDir('borg-agent-'), 'state')) =>
  new DeviceClient({ baseUrl: stack.url, stateDir });

/** What a call that must fail threw. */
const failure = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );

/** The operator's view of the pending enrollment the key behind `client` opened, once the server has it. */
async function pendingOf(stack: TestStack, client: DeviceClient): Promise<{ reference: string; fingerprint: string }> {
  const { fingerprint } = await client.deviceKey();
  const list = await eventually(
    () => stack.call('GET', `/enrollments?status=pending&fingerprint=${fingerprint}`),
    (reply) => reply.status === 200 && reply.body.length === 1,
    10_000,
  );
  return list.body[0];
}

describe('the device library over real HTTP against the real API and a real worker', () => {
  let stack: TestStack;
  const rotations = (): number =>
    (stack.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'token_family.rotated'").get() as { n: number }).n;

  /** A client enrolled through an auto-approving code: no operator, no 5 s poll wait. */
  async function enrolled(hostname: string, stateDir?: string): Promise<{ client: DeviceClient; deviceId: string }> {
    const client = newClient(stack, stateDir);
    const { deviceId } = await client.enroll({ hostname, enrollmentCode: await installCode(stack, { auto_approve: true }) });
    return { client, deviceId };
  }

  beforeAll(async () => {
    stack = await startTestStack(inject('temporalAddress'), undefined, {
      BORG_ENROLL_RATE_PER_ADDRESS: '10000',
      BORG_ENROLL_RATE_PER_KEY: '1000',
    });
    await stack.startWorker();
  });
  afterAll(() => stack?.close());

  it('enrolls once an operator approves, then heartbeats and reads its record; key and credentials are 0600', async () => {
    const code = await installCode(stack, { tags: ['lab'] });
    const stateDir = join(tempDir('borg-agent-'), 'state');
    const client = newClient(stack, stateDir);
    const statuses: EnrollmentStatus[] = [];
    const enrolling = client.enroll({ hostname: 'Lib-Approved-1', enrollmentCode: code, onStatus: (s) => statuses.push(s) });
    // Nobody awaits it until the approval: a failure meanwhile must not count as unhandled.
    enrolling.catch(() => undefined);

    const pending = await pendingOf(stack, client);
    expect(pending.fingerprint).toBe((await client.deviceKey()).fingerprint);
    // The operator decides once the device has its answer: the enrollment is listed a moment before that.
    await eventually(
      () => statuses.length,
      (n) => n > 0,
    );
    const approved = await stack.call('POST', `/enrollments/${pending.reference}/approve`, { body: { tags: ['lab', 'lib'] } });
    expect(approved.status).toBe(200);

    const { deviceId } = await enrolling;
    expect(deviceId).toBe(approved.body.device_id);
    expect(statuses[0]).toEqual({ status: 'pending', approvalReference: pending.reference, pollAfterMs: 5000 });

    expect(await client.heartbeat(inventory)).toEqual({ device_id: deviceId, heartbeat_interval_s: 60 });
    expect(await client.me()).toMatchObject({
      id: deviceId,
      hostname: 'lib-approved-1',
      fingerprint: pending.fingerprint,
      tags: ['lab', 'lib'],
      status: 'active',
      online: true,
      inventory: { agent_version: '0.1.0', kernel: '6.1.0-28-amd64', services: inventory.services },
    });

    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(stateDir, KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(join(stateDir, CREDENTIALS_FILE)).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(join(stateDir, CREDENTIALS_FILE), 'utf8'));
    expect(stored).toMatchObject({ device_id: deviceId, refresh_token: expect.stringMatching(/^brt_/) });
    expect(stored.signing_key).toBe((await client.credentials())!.signingKey);
    // The delivered credentials went out once: the enrollment says so.
    expect((await stack.call('GET', `/enrollments/${pending.reference}`)).body).toMatchObject({
      status: 'approved',
      credentials_delivered: true,
    });
  });

  it('throws the denial with the operator’s reason, and stores no credentials', async () => {
    const client = newClient(stack);
    const enrolling = failure(client.enroll({ hostname: 'lib-denied-1', enrollmentCode: await installCode(stack) }));
    const pending = await pendingOf(stack, client);
    const denied = await stack.call('POST', `/enrollments/${pending.reference}/deny`, { body: { reason: 'not one of ours' } });
    expect(denied.status).toBe(200);

    const error = await enrolling;
    expect(error).toBeInstanceOf(EnrollmentDeniedError);
    expect(error).toMatchObject({ approvalReference: pending.reference, reason: 'not one of ours' });
    expect(await client.credentials()).toBeUndefined();
  });

  it('rotates once for two refreshes at once, and keeps working afterwards', async () => {
    const { client, deviceId } = await enrolled('lib-refresh-1');
    const before = rotations();
    const { refreshToken } = (await client.credentials())!;

    await Promise.all([client.refresh(), client.refresh()]);

    expect(rotations()).toBe(before + 1);
    const after = (await client.credentials())!;
    expect(after.refreshToken).not.toBe(refreshToken);
    expect(after.refreshToken).toMatch(/^brt_/);
    expect((await client.me()).id).toBe(deviceId);
    expect(await client.heartbeat(inventory)).toEqual({ device_id: deviceId, heartbeat_interval_s: 60 });
    // The family is alive: a refresh later rotates again (a reuse would have revoked it).
    await client.refresh();
    expect(rotations()).toBe(before + 2);
    expect((await client.me()).status).toBe('active');
  });

  it('is refused while quarantined (device_quarantined on its refresh), and works again once unquarantined', async () => {
    const { client, deviceId } = await enrolled('lib-quarantine-1');
    expect((await client.me()).id).toBe(deviceId);

    const quarantined = await stack.call('POST', `/devices/${deviceId}/quarantine`, { body: { reason: 'odd traffic' } });
    expect(quarantined.body).toMatchObject({ status: 'quarantined', token_version: 1 });
    for (let i = 0; i < 2; i++) {
      const error = await failure(client.me());
      expect(error).toBeInstanceOf(DeviceApiError);
      expect(error).toMatchObject({ status: 403, code: 'device_quarantined', call: 'POST /api/agent/token/refresh' });
    }

    const lifted = await stack.call('POST', `/devices/${deviceId}/unquarantine`);
    expect(lifted.status).toBe(200);
    const before = rotations();
    // The same client: its access token is dead (token version 1), its refresh token still works.
    expect(await client.me()).toMatchObject({ id: deviceId, status: 'active', token_version: 1 });
    expect(rotations()).toBe(before + 1);
    expect(await client.heartbeat(inventory)).toEqual({ device_id: deviceId, heartbeat_interval_s: 60 });
  });

  it('fails for good once purged (invalid_grant); the same key enrolls again as a new device', async () => {
    const { client, deviceId } = await enrolled('lib-purge-1');
    const { fingerprint } = await client.deviceKey();
    expect((await stack.call('DELETE', `/devices/${deviceId}`)).status).toBe(204);

    for (let i = 0; i < 3; i++) {
      const error = await failure(client.me());
      expect(error).toBeInstanceOf(DeviceApiError);
      expect(error).toMatchObject({ status: 400, code: 'invalid_grant', call: 'POST /api/agent/token/refresh' });
    }
    expect(await failure(client.refresh())).toMatchObject({ status: 400, code: 'invalid_grant' });

    const again = await client.enroll({ hostname: 'lib-purge-1', enrollmentCode: await installCode(stack, { auto_approve: true }) });
    expect(again.deviceId).not.toBe(deviceId);
    expect((await client.deviceKey()).fingerprint).toBe(fingerprint);
    expect(await client.me()).toMatchObject({ id: again.deviceId, fingerprint, status: 'active' });
    expect((await stack.call('GET', `/devices/${deviceId}`)).status).toBe(404);
  });

  it('keeps working after a reboot: a new client on the same state dir, without enrolling again', async () => {
    const stateDir = join(tempDir('borg-agent-'), 'state');
    const { client, deviceId } = await enrolled('lib-reboot-1', stateDir);
    await client.heartbeat(inventory);
    const { fingerprint } = await client.deviceKey();

    const rebooted = newClient(stack, stateDir);
    expect((await rebooted.deviceKey()).fingerprint).toBe(fingerprint);
    expect(await rebooted.me()).toMatchObject({ id: deviceId, fingerprint, online: true });
    await rebooted.refresh();
    expect(await rebooted.heartbeat({ ...inventory, uptime_s: 3 })).toEqual({ device_id: deviceId, heartbeat_interval_s: 60 });
    expect((await rebooted.me()).inventory).toMatchObject({ uptime_s: 3 });
    const rows = stack.db.prepare('SELECT count(*) AS n FROM enrollments WHERE fingerprint = ?').get(fingerprint) as { n: number };
    expect(rows.n).toBe(1);
  });

  it("runs as the bundle under Debian's Node 18: enrolls with an auto-approving code and its heartbeat shows", async ({ annotate }) => {
    const node = await node18OrFallback('test/device/client/real-server.test.ts', annotate);
    // Built as the appliance's copy is: `npm run build:device`, here into a directory of the test's own.
    const bundle = join(tempDir('borg-bundle-'), 'client.mjs');
    await run('npm', ['run', '--silent', 'build:device', '--', '--outfile', bundle], { cwd: resolve(import.meta.dirname, '../../..') });

    const code = await installCode(stack, { auto_approve: true, tags: ['node18'] });
    const stateDir = join(tempDir('borg-agent-'), 'state');
    const { stdout } = await run(node, [probe, bundle, stateDir, stack.url, code, 'node18-edge-1', JSON.stringify(inventory)], {
      timeout: 60_000,
    });
    const out = JSON.parse(stdout);
    if (node !== process.execPath) expect(out.node).toMatch(/^v18\./);
    expect(out.heartbeat).toEqual({ device_id: out.deviceId, heartbeat_interval_s: 60 });
    expect(out.me).toMatchObject({ id: out.deviceId, fingerprint: out.fingerprint });

    const device = await stack.call('GET', `/devices/${out.deviceId}`);
    expect(device.status).toBe(200);
    expect(device.body).toMatchObject({
      hostname: 'node18-edge-1',
      fingerprint: out.fingerprint,
      tags: ['node18'],
      status: 'active',
      online: true,
      inventory,
    });
    expect(statSync(join(stateDir, KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(join(stateDir, CREDENTIALS_FILE)).mode & 0o777).toBe(0o600);
  }, 300_000);
});

describe('an enrollment nobody decides, through the library', () => {
  it('throws the expiry once the deadline passes, and stores no credentials', async () => {
    const stack = await startTestStack(inject('temporalAddress'), undefined, {
      BORG_ENROLL_DEADLINE: '3s',
      BORG_ENROLL_RATE_PER_KEY: '1000',
    });
    try {
      await stack.startWorker();
      const client = newClient(stack);
      const started = Date.now();
      const error = await failure(client.enroll({ hostname: 'lib-late-1', enrollmentCode: await installCode(stack) }));
      expect(error).toBeInstanceOf(EnrollmentExpiredError);
      const { approvalReference } = error as EnrollmentExpiredError;
      expect(approvalReference).toMatch(/^enr_/);
      // It waited as the server asked (poll_after_ms 5000), past the 3 s deadline.
      expect(Date.now() - started).toBeGreaterThanOrEqual(5000);
      expect(await client.credentials()).toBeUndefined();
      expect((await stack.call('GET', `/enrollments/${approvalReference}`)).body).toMatchObject({
        status: 'expired',
        credentials_delivered: false,
      });
    } finally {
      await stack.close();
    }
  });
});
