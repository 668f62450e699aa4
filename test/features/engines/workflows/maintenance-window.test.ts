import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { phaseQuery } from '../../../../src/features/engines/workflows/maintenance-window.js';
import { startTestStack } from '../../../support/engine-control.js';
import { eventually } from '../../../support/eventually.js';
import type { EngineCreds, TestStack } from '../../../support/engine-control.js';

describe('maintenance window workflow', () => {
  let s: TestStack;
  let engine: EngineCreds;
  const ask = async () =>
    (await s.call('POST', '/actions/check', { engine, body: { engine_id: engine.id, platform: 'slack', action_type: 'post_message' } }))
      .body;
  const windowStatus = async (id: string) =>
    ((await s.call('GET', '/maintenance?platform=slack')).body as { id: string; status: string }[]).find((w) => w.id === id)?.status;
  const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
  const slackListed = async () =>
    ((await s.call('GET', '/platforms/list', { engine })).body as { id: string; status: string }[]).find((p) => p.id === 'slack')?.status;
  const stored = () => s.db.prepare('SELECT status, status_after_windows FROM platforms WHERE id = ?').get('slack');
  // One client for what a test reads or does in Temporal directly, beside the API.
  let temporal: Client;

  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
    await s.startWorker();
    await s.putPlatform('slack');
    engine = await s.registerEngine('poster');
    await s.grant(engine.id, 'slack', 'post_message');
    temporal = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
  });
  afterAll(async () => {
    await temporal.connection.close();
    await s.close();
  });

  it('puts the platform into maintenance at the start and back at the end, across a worker restart', async () => {
    const res = await s.call('POST', '/platforms/slack/maintenance', { body: { starts_at: inMs(6000), ends_at: inMs(18_000) } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'scheduled', workflow_id: `maintenance-slack-${res.body.id}` });
    const startsAt = Date.parse(res.body.starts_at);
    expect((await ask()).allowed).toBe(true);
    // Answered by a worker, so the flow has run on this one and set its timer: the next worker takes it over.
    expect(await temporal.workflow.getHandle(res.body.workflow_id).query(phaseQuery)).toBe('scheduled');

    await s.stopWorker();
    // Else the worker saw the start, and what follows proves nothing: the machine was too slow for the test.
    expect(Date.now()).toBeLessThan(startsAt);
    await new Promise((r) => setTimeout(r, startsAt - Date.now() + 500));
    // The start passed while no worker ran: nothing has changed yet.
    expect(await windowStatus(res.body.id)).toBe('scheduled');
    await s.startWorker();

    // Checks and the platform list go by the clock from the start; the flow catches up once a worker runs.
    expect(await ask()).toMatchObject({ allowed: false, reason: 'platform_maintenance' });
    expect(await slackListed()).toBe('maintenance');
    await eventually(
      () => windowStatus(res.body.id),
      (st) => st === 'active',
    );
    await eventually(
      () => windowStatus(res.body.id),
      (st) => st === 'completed',
    );
    expect(await ask()).toMatchObject({ allowed: true, reason: 'granted' });
  });

  it('denies from the window’s start to its end by the clock, even while no worker runs its flow', async () => {
    await s.stopWorker();
    try {
      const res = await s.call('POST', '/platforms/slack/maintenance', { body: { starts_at: inMs(2500), ends_at: inMs(4500) } });
      const startsAt = Date.parse(res.body.starts_at);
      const endsAt = Date.parse(res.body.ends_at);
      // One check every 25 ms across the window: none allowed inside it, none denied outside it. A check counts as
      // inside or outside only if it was sent and answered there; one that spans an edge proves nothing either way.
      const seen: { sent: number; done: number; allowed: boolean; reason: string; listed?: string }[] = [];
      while (Date.now() < endsAt + 500) {
        const sent = Date.now();
        const d = await ask();
        const listed = await slackListed();
        seen.push({ sent, done: Date.now(), allowed: d.allowed, reason: d.reason, listed });
        await new Promise((r) => setTimeout(r, 25));
      }
      const inside = seen.filter((c) => c.sent >= startsAt && c.done < endsAt);
      const outside = seen.filter((c) => c.done < startsAt || c.sent >= endsAt);
      expect(inside.length).toBeGreaterThan(10);
      expect(outside.filter((c) => c.done < startsAt).length).toBeGreaterThan(0);
      expect(inside.filter((c) => c.allowed)).toEqual([]);
      expect(new Set(inside.map((c) => c.reason))).toEqual(new Set(['platform_maintenance']));
      expect(outside.filter((c) => !c.allowed)).toEqual([]);
      // What engines read in /platforms/list agrees with what the checks did.
      expect(new Set(inside.map((c) => c.listed))).toEqual(new Set(['maintenance']));
      expect(new Set(outside.map((c) => c.listed))).toEqual(new Set(['active']));
      // No flow ran: the window is still scheduled and the platform's own status never moved.
      expect(await windowStatus(res.body.id)).toBe('scheduled');
      await s.startWorker();
      // The flow catches up with a window already over, and leaves the platform as it found it.
      await eventually(
        () => windowStatus(res.body.id),
        (st) => st === 'completed',
      );
      expect(await ask()).toMatchObject({ allowed: true, reason: 'granted' });
    } finally {
      if (!s.worker) await s.startWorker();
    }
  });

  it('ends a window by the clock while no worker runs its flow, and the flow that catches up leaves the platform active', async () => {
    const res = await s.call('POST', '/platforms/slack/maintenance', { body: { starts_at: inMs(500), ends_at: inMs(8000) } });
    await eventually(
      () => windowStatus(res.body.id),
      (st) => st === 'active',
    );
    expect(await ask()).toMatchObject({ allowed: false, reason: 'platform_maintenance' });
    await s.stopWorker();
    try {
      // Else the worker saw the end, and what follows proves nothing: the machine was too slow for the test.
      expect(Date.now()).toBeLessThan(Date.parse(res.body.ends_at));
      await new Promise((r) => setTimeout(r, Date.parse(res.body.ends_at) - Date.now() + 50));
      // The end passed while no worker ran: the flow has not put the platform back, yet checks and the list go by the clock.
      expect(await windowStatus(res.body.id)).toBe('active');
      expect(stored()).toEqual({ status: 'maintenance', status_after_windows: 'active' });
      expect(await ask()).toMatchObject({ allowed: true, reason: 'granted' });
      expect(await slackListed()).toBe('active');
      await s.startWorker();
      // While the flow catches up, nobody reads maintenance again.
      const seen: { allowed: boolean; listed?: string }[] = [];
      await eventually(
        async () => {
          seen.push({ allowed: (await ask()).allowed, listed: await slackListed() });
          return windowStatus(res.body.id);
        },
        (st) => st === 'completed',
      );
      expect(seen.filter((c) => !c.allowed || c.listed !== 'active')).toEqual([]);
      expect(stored()).toEqual({ status: 'active', status_after_windows: null });
      expect(await ask()).toMatchObject({ allowed: true, reason: 'granted' });
      expect(await slackListed()).toBe('active');
    } finally {
      if (!s.worker) await s.startWorker();
    }
  });

  it('drops a window cancelled before it starts', async () => {
    const res = await s.call('POST', '/platforms/slack/maintenance', { body: { starts_at: inMs(60_000), ends_at: inMs(120_000) } });
    expect((await s.call('POST', `/maintenance/${res.body.id}/cancel`)).status).toBe(202);
    await eventually(
      () => windowStatus(res.body.id),
      (st) => st === 'cancelled',
    );
    expect((await ask()).allowed).toBe(true);
    expect((await s.call('POST', `/maintenance/${res.body.id}/cancel`)).status).toBe(409);
  });

  it('ends a window early when cancelled during it', async () => {
    const res = await s.call('POST', '/platforms/slack/maintenance', { body: { starts_at: inMs(500), ends_at: inMs(120_000) } });
    await eventually(ask, (d) => d.reason === 'platform_maintenance');
    // Checks go by the clock; the flow must have begun the window too, or the cancel would drop it before its start.
    await eventually(
      () => windowStatus(res.body.id),
      (st) => st === 'active',
    );
    await s.call('POST', `/maintenance/${res.body.id}/cancel`);
    await eventually(ask, (d) => d.allowed === true);
    expect(await windowStatus(res.body.id)).toBe('cancelled');
  });

  it('leaves a platform an operator had put into maintenance in maintenance when a routine window ends', async () => {
    await s.putPlatform('slack', 'maintenance');
    const res = await s.call('POST', '/platforms/slack/maintenance', { body: { starts_at: inMs(500), ends_at: inMs(2000) } });
    await eventually(
      () => windowStatus(res.body.id),
      (st) => st === 'completed',
    );
    expect(await ask()).toMatchObject({ allowed: false, reason: 'platform_maintenance' });
    await s.putPlatform('slack', 'active');
    expect(await ask()).toMatchObject({ allowed: true, reason: 'granted' });
  });

  it('keeps the platform in maintenance until the last of two overlapping windows ends', async () => {
    // The order of events is the test's, not the clock's: the long window is under way before the short one is
    // made, and it ends only when an operator ends it, after the short one has ended on its timer.
    const long = await s.call('POST', '/platforms/slack/maintenance', { body: { starts_at: inMs(500), ends_at: inMs(3_600_000) } });
    await eventually(
      () => windowStatus(long.body.id),
      (st) => st === 'active',
    );
    const short = await s.call('POST', '/platforms/slack/maintenance', { body: { starts_at: inMs(500), ends_at: inMs(2000) } });
    await eventually(
      () => windowStatus(short.body.id),
      (st) => st === 'completed',
    );
    expect(await windowStatus(long.body.id)).toBe('active');
    expect(stored()).toEqual({ status: 'maintenance', status_after_windows: 'active' });
    expect(await ask()).toMatchObject({ allowed: false, reason: 'platform_maintenance' });
    expect((await s.call('POST', `/maintenance/${long.body.id}/cancel`)).status).toBe(202);
    await eventually(
      () => windowStatus(long.body.id),
      (st) => st === 'cancelled',
    );
    expect(stored()).toEqual({ status: 'active', status_after_windows: null });
    expect(await ask()).toMatchObject({ allowed: true, reason: 'granted' });
  });

  it('cancels a window whose flow was terminated in Temporal, and stores its times in UTC', async () => {
    const res = await s.call('POST', '/platforms/slack/maintenance', {
      body: { starts_at: '2099-01-01t12:00:00+02:00', ends_at: '2099-01-01T14:00:00+02:00' },
    });
    expect(res.body).toMatchObject({ starts_at: '2099-01-01T10:00:00.000Z', ends_at: '2099-01-01T12:00:00.000Z' });
    await temporal.workflow.getHandle(res.body.workflow_id).terminate('test: the flow is gone');
    const cancelled = await s.call('POST', `/maintenance/${res.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: res.body.id, status: 'cancelled' });
    expect(await windowStatus(res.body.id)).toBe('cancelled');
  });

  it.each([
    [{ starts_at: 'tomorrow', ends_at: '2030-01-01T00:00:00Z' }, 'body.starts_at'],
    [{ starts_at: '2030-01-02T00:00:00Z', ends_at: '2030-01-01T00:00:00Z' }, 'body.ends_at'],
    [{ starts_at: '2020-01-01T00:00:00Z', ends_at: '2020-01-02T00:00:00Z' }, 'body.ends_at'],
    [{ starts_at: '9999-12-31T23:00:00-02:00', ends_at: '9999-12-31T23:30:00Z' }, 'body.starts_at'],
  ])('rejects %j naming %s', async (body, field) => {
    const res = await s.call('POST', '/platforms/slack/maintenance', { body });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields[0].field).toBe(field);
  });

  it('404s a window for an unknown platform', async () => {
    const res = await s.call('POST', '/platforms/nowhere/maintenance', { body: { starts_at: inMs(1000), ends_at: inMs(2000) } });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('PLATFORM_NOT_FOUND');
  });
});
