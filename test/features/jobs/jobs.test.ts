import { Client, Connection, ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { enrolledDevice } from '../../support/devices.js';
import type { TestDevice } from '../../support/devices.js';
import { startTestStack } from '../../support/engine-control.js';
import type { TestStack } from '../../support/engine-control.js';
import { eventually } from '../../support/eventually.js';

const job = (overrides: Record<string, unknown> = {}) => ({
  name: 'rotate logs',
  script: { interpreter: 'bash', content: 'logrotate -f /etc/logrotate.conf' },
  targets: { all: true },
  schedule: { kind: 'daily', at: '02:30', timezone: 'Europe/Berlin' },
  ...overrides,
});

/** The wall-clock time of an instant in a time zone, HH:MM. */
const wallClock = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));

describe('jobs and their Temporal Schedules (real server, real Temporal)', () => {
  let stack: TestStack;
  let temporal: Client;
  let device: TestDevice;

  beforeAll(async () => {
    stack = await startTestStack(inject('temporalAddress'));
    await stack.startWorker();
    temporal = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
    device = await enrolledDevice(stack);
  });
  afterAll(async () => {
    await stack?.close();
    await temporal?.connection.close();
  });

  const describeSchedule = (jobId: string) => temporal.schedule.getHandle(`job-${jobId.slice(4)}`).describe();

  it('keeps one schedule per job through create, pause, resume, update, run now and delete', async () => {
    const created = await stack.call('POST', '/jobs', { body: job() });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ schedule_sync: { state: 'synced' }, overlap: 'skip', timeout_s: 600, enabled: true });
    // Legal but worth knowing: 02:30 does not exist in Berlin on the day clocks go forward.
    expect(created.body.warnings).toEqual([
      expect.stringMatching(/^body\.schedule\.at Europe\/Berlin jumps from 02:00 to 03:00/),
      expect.stringMatching(/^body\.schedule\.at Europe\/Berlin repeats 02:00 to 03:00/),
    ]);

    const shown = await stack.call('GET', `/jobs/${id}`);
    expect(shown.body.next_runs).toHaveLength(5);
    for (const at of shown.body.next_runs) expect(wallClock(at, 'Europe/Berlin')).toBe('02:30');
    const schedule = await describeSchedule(id);
    expect(schedule.spec.timezone).toBe('Europe/Berlin');
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowId: `job-${id.slice(4)}`, workflowType: 'jobRunWorkflow' });
    expect(schedule.state.paused).toBe(false);

    const paused = await stack.call('POST', `/jobs/${id}/pause`);
    expect(paused.body).toMatchObject({ enabled: false, schedule_sync: { state: 'synced' } });
    expect((await describeSchedule(id)).state.paused).toBe(true);
    expect((await stack.call('GET', `/jobs/${id}`)).body.next_runs).toEqual([]);
    await stack.call('POST', `/jobs/${id}/resume`);
    expect((await describeSchedule(id)).state.paused).toBe(false);

    const updated = await stack.call('PUT', `/jobs/${id}`, {
      body: job({ schedule: { kind: 'every', every: 15, unit: 'minutes' }, overlap: 'buffer_one' }),
    });
    expect(updated.status).toBe(200);
    const next = (await stack.call('GET', `/jobs/${id}`)).body.next_runs.map((t: string) => Date.parse(t));
    expect(next.slice(1).map((t: number, i: number) => t - next[i])).toEqual([900_000, 900_000, 900_000, 900_000]);
    expect((await describeSchedule(id)).policies.overlap).toBe('BUFFER_ONE');

    const started = await stack.call('POST', `/jobs/${id}/run`);
    expect(started.status).toBe(202);
    const run = await eventually(
      () => stack.call('GET', `/runs/${encodeURIComponent(started.body.run_id)}`),
      (r) => r.status === 200,
    );
    expect(run.body).toMatchObject({ job_id: id, trigger: 'manual', status: 'running', counts: { pending: expect.any(Number) } });
    expect(run.body.devices.map((d: any) => d.device_id)).toContain(device.deviceId);
    const cancelled = await stack.call('POST', `/runs/${encodeURIComponent(started.body.run_id)}/cancel`);
    expect(cancelled.status).toBe(202);
    const ended = await eventually(
      () => stack.call('GET', `/runs/${encodeURIComponent(started.body.run_id)}`),
      (r) => r.body.status === 'cancelled',
    );
    expect(ended.body.devices.every((d: any) => d.status === 'cancelled')).toBe(true);
    expect((await stack.call('POST', `/runs/${encodeURIComponent(started.body.run_id)}/cancel`)).status).toBe(409);

    expect((await stack.call('DELETE', `/jobs/${id}`)).status).toBe(204);
    expect((await stack.call('GET', `/jobs/${id}`)).status).toBe(404);
    await expect(describeSchedule(id)).rejects.toBeInstanceOf(ScheduleNotFoundError);
    // The run history stays.
    expect((await stack.call('GET', `/runs/${encodeURIComponent(started.body.run_id)}`)).status).toBe(200);
  });

  it('runs a once job at its time, and only at its latest time after an edit', async () => {
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    const first = at(2_000);
    const created = await stack.call('POST', '/jobs', { body: job({ schedule: { kind: 'once', at: first } }) });
    expect(created.body).toMatchObject({ schedule_sync: { state: 'synced' } });
    // Moved later before it ran: the run for the old time starts nothing.
    const moved = at(4_000);
    expect((await stack.call('PUT', `/jobs/${created.body.id}`, { body: job({ schedule: { kind: 'once', at: moved } }) })).status).toBe(
      200,
    );
    const runs = await eventually(
      () => stack.call('GET', `/jobs/${created.body.id}/runs`),
      (r) => r.body.runs?.length === 1,
    );
    expect(runs.body.runs[0]).toMatchObject({ trigger: 'once', id: `job-${created.body.id.slice(4)}-${new Date(moved).toISOString()}` });
    expect(Date.parse(runs.body.runs[0].started_at)).toBeGreaterThanOrEqual(Date.parse(moved));
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await stack.call('GET', `/jobs/${created.body.id}/runs`)).body.runs).toHaveLength(1);
  });

  it('warns of targets that match no device today', async () => {
    const created = await stack.call('POST', '/jobs', { body: job({ targets: { tags: ['no-such-tag'] } }) });
    expect(created.status).toBe(201);
    expect(created.body.warnings).toContainEqual(expect.stringContaining('body.targets match no device today'));
  });

  it.each([
    ['a cron with 7 fields', { schedule: { kind: 'cron', expression: '0 0 12 * * ? 2027' } }, 'body.schedule.expression'],
    ['an unknown time zone', { schedule: { kind: 'daily', at: '02:30', timezone: 'Mars/Olympus' } }, 'body.schedule.timezone'],
    [
      'an end before the start',
      { schedule: { kind: 'daily', at: '02:30', start_at: '2031-01-02T00:00:00Z', end_at: '2031-01-01T00:00:00Z' } },
      'body.schedule.end_at',
    ],
    ['no targets', { targets: {} }, 'body.targets'],
    ['all with other targets', { targets: { all: true, tags: ['a'] } }, 'body.targets'],
    ['an unknown interpreter', { script: { interpreter: 'perl', content: 'print 1' } }, 'body.script.interpreter'],
    ['an oversized script', { script: { interpreter: 'sh', content: 'é'.repeat(40_000) } }, 'body.script.content'],
    ['an unknown field', { colour: 'red' }, 'body.colour'],
  ])('refuses %s with a 400 naming the field, and keeps nothing', async (_what, overrides, field) => {
    const before = (await stack.call('GET', '/jobs')).body.jobs.length;
    const res = await stack.call('POST', '/jobs', { body: job(overrides) });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields.map((f: any) => f.field)).toContain(field);
    expect((await stack.call('GET', '/jobs')).body.jobs.length).toBe(before);
  });

  it('purges runs older than BORG_JOB_HISTORY_DAYS on a schedule of its own', async () => {
    const handle = temporal.schedule.getHandle(`jobs-history-purge-${stack.config.temporal.taskQueue}`);
    const purge = await eventually(
      () => handle.describe().catch(() => undefined),
      (d) => d !== undefined,
    );
    expect(purge!.state.note).toBe('purges job runs older than 30 days');
    expect(purge!.spec.calendars).toEqual([expect.objectContaining({ hour: [{ start: 3, end: 3, step: 1 }] })]);
    const run = (id: string, daysAgo: number) =>
      stack.db
        .prepare(
          `INSERT INTO job_runs (id, job_id, job_name, trigger, script, script_sha256, timeout_s, dispatch_deadline, status, started_at)
           VALUES (?, 'job_x', 'x', 'manual', '{}', '', 1, '', 'finished', ?)`,
        )
        .run(id, new Date(Date.now() - daysAgo * 86_400_000).toISOString());
    run('job-x-old', 31);
    run('job-x-recent', 29);
    await handle.trigger();
    await eventually(
      () => stack.call('GET', '/runs/job-x-old'),
      (r) => r.status === 404,
    );
    expect((await stack.call('GET', '/runs/job-x-recent')).status).toBe(200);
  });

  it('answers 404 for jobs and runs that do not exist', async () => {
    for (const [method, path] of [
      ['GET', '/jobs/job_0000000000000000'],
      ['POST', '/jobs/job_0000000000000000/run'],
      ['POST', '/jobs/job_0000000000000000/pause'],
      ['DELETE', '/jobs/job_0000000000000000'],
      ['GET', '/runs/job-0000000000000000-2027-01-01T00:00:00.000Z'],
    ] as const) {
      expect((await stack.call(method, path)).status, `${method} ${path}`).toBe(404);
    }
  });
});
