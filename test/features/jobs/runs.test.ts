import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deviceCall, enrolledDevice } from '../../support/devices.js';
import type { TestDevice } from '../../support/devices.js';
import { startTestStack } from '../../support/engine-control.js';
import type { TestStack } from '../../support/engine-control.js';
import { eventually } from '../../support/eventually.js';

const decode = (jws: string) => JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8'));

const result = (outcome: string, exit_code: number | null, stdout = '') => ({
  outcome,
  exit_code,
  signal: null,
  stdout,
  stderr: '',
  stdout_truncated: false,
  stderr_truncated: false,
  started_at: new Date().toISOString(),
  finished_at: new Date().toISOString(),
});

describe('a job run across devices (real server, real Temporal, real worker)', () => {
  let stack: TestStack;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    stack = await startTestStack(inject('temporalAddress'));
    await stack.startWorker();
    for (let i = 0; i < 4; i++) devices.push(await enrolledDevice(stack));
  });
  afterAll(() => stack?.close());

  it('dispatches signed work to each device and records success, failure, timeout and offline', async () => {
    const [ok, failing, silent, absent] = devices as [TestDevice, TestDevice, TestDevice, TestDevice];
    const created = await stack.call('POST', '/jobs', {
      body: {
        name: 'uptime check',
        script: { interpreter: 'sh', content: 'uptime', args: [], env: { MODE: 'quick' } },
        targets: { device_ids: devices.map((d) => d.deviceId) },
        schedule: { kind: 'now' },
        timeout_s: 2,
        dispatch_window_s: 4,
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'uptime check', schedule_sync: { state: 'synced' }, enabled: true });
    const jobId = created.body.id as string;

    const runs = await eventually(
      () => stack.call('GET', `/jobs/${jobId}/runs`),
      (r) => r.body.runs?.length === 1,
    );
    const runId = runs.body.runs[0].id as string;
    expect(runId).toMatch(new RegExp(`^job-${jobId.slice(4)}-\\d{4}-\\d\\d-\\d\\dT`));

    const take = async (device: TestDevice) => {
      const work = await deviceCall(stack, device, 'GET', '/api/agent/work?wait=5');
      expect(work.status).toBe(200);
      expect(work.body.items).toHaveLength(1);
      const payload = decode(work.body.items[0].payload);
      expect(payload).toMatchObject({ v: 1, run_id: runId, job_id: jobId, device_id: device.deviceId, timeout_s: 2 });
      expect(payload.script).toMatchObject({ interpreter: 'sh', content: 'uptime', env: { MODE: 'quick' } });
      // Due back after the timeout and 5 s of grace; a device clock up to a minute fast still takes it.
      expect(Date.parse(payload.expires_at) - Date.parse(payload.issued_at)).toBeGreaterThan((2 + 5 + 60 - 1) * 1000);
      return payload;
    };
    await take(ok);
    await take(failing);
    await take(silent);

    expect(
      (await deviceCall(stack, ok, 'POST', `/api/agent/runs/${encodeURIComponent(runId)}/progress`, { state: 'running' })).body,
    ).toEqual({
      status: 'running',
    });
    const reported = await deviceCall(
      stack,
      ok,
      'POST',
      `/api/agent/runs/${encodeURIComponent(runId)}/result`,
      result('succeeded', 0, 'up 3 days'),
    );
    expect(reported.body).toEqual({ status: 'succeeded', late: false });
    // The same report again: the same answer.
    expect(
      (await deviceCall(stack, ok, 'POST', `/api/agent/runs/${encodeURIComponent(runId)}/result`, result('succeeded', 0, 'up 3 days')))
        .body,
    ).toEqual({ status: 'succeeded', late: false });
    expect(
      (await deviceCall(stack, failing, 'POST', `/api/agent/runs/${encodeURIComponent(runId)}/result`, result('failed', 3))).body,
    ).toEqual({ status: 'failed', late: false });

    const finished = await eventually(
      () => stack.call('GET', `/runs/${encodeURIComponent(runId)}`),
      (r) => r.body.status === 'finished',
      20_000,
    );
    const byDevice = Object.fromEntries(finished.body.devices.map((d: any) => [d.device_id, d]));
    expect(byDevice[ok.deviceId!]).toMatchObject({ status: 'succeeded', exit_code: 0, stdout: 'up 3 days' });
    expect(byDevice[failing.deviceId!]).toMatchObject({ status: 'failed', exit_code: 3 });
    expect(byDevice[silent.deviceId!]).toMatchObject({ status: 'timed_out', reason: 'no result within the timeout' });
    expect(byDevice[absent.deviceId!]).toMatchObject({ status: 'offline' });
    expect(finished.body.counts).toEqual({ succeeded: 1, failed: 1, timed_out: 1, offline: 1 });

    // After the verdict: kept as late, the verdict stands.
    const late = await deviceCall(stack, silent, 'POST', `/api/agent/runs/${encodeURIComponent(runId)}/result`, result('succeeded', 0));
    expect(late.body).toEqual({ status: 'timed_out', late: true });
    expect(
      (await stack.call('GET', `/runs/${encodeURIComponent(runId)}`)).body.devices.find((d: any) => d.device_id === silent.deviceId),
    ).toMatchObject({
      status: 'timed_out',
      late_result: { outcome: 'succeeded' },
    });
    // A device gets no work that is not its own, and may not report on a run that was not for it.
    expect((await deviceCall(stack, absent, 'GET', '/api/agent/work?wait=0')).body).toEqual({ items: [] });
    const other = await stack.call('POST', '/jobs', {
      body: {
        name: 'other',
        script: { interpreter: 'sh', content: 'true' },
        targets: { device_ids: [ok.deviceId] },
        schedule: { kind: 'now' },
      },
    });
    const otherRun = (
      await eventually(
        () => stack.call('GET', `/jobs/${other.body.id}/runs`),
        (r) => r.body.runs?.length === 1,
      )
    ).body.runs[0].id;
    const forbidden = await deviceCall(
      stack,
      failing,
      'POST',
      `/api/agent/runs/${encodeURIComponent(otherRun)}/result`,
      result('succeeded', 0),
    );
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('RUN_NOT_FOR_DEVICE');

    // Output the device capped at 64 KiB a stream is taken whole, even written as JSON escapes; more is refused by name.
    const path = `/api/agent/runs/${encodeURIComponent(otherRun)}/result`;
    const tooLong = await deviceCall(stack, ok, 'POST', path, { ...result('succeeded', 0), stdout: 'x'.repeat(65_537) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.details.fields.map((f: any) => f.field)).toEqual(['body.stdout']);
    const capped = { ...result('succeeded', 0), stdout: '\u0001'.repeat(65_536), stderr: '\u0002'.repeat(65_536), stdout_truncated: true };
    expect((await deviceCall(stack, ok, 'POST', path, capped)).body).toEqual({ status: 'succeeded', late: false });
    const stored = (await stack.call('GET', `/runs/${encodeURIComponent(otherRun)}`)).body.devices[0];
    expect(stored).toMatchObject({ stdout_truncated: true, stderr_truncated: false });
    expect(stored.stdout).toHaveLength(65_536);
  });
});
