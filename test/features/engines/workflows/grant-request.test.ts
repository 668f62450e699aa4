import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { engineLedgers } from '../../../../src/features/engines/services/ledgers.js';
import { startTestStack } from '../../../support/engine-control.js';
import { eventually } from '../../../support/eventually.js';
import type { EngineCreds, TestStack } from '../../../support/engine-control.js';

describe('grant request workflow', () => {
  let s: TestStack;
  let engine: EngineCreds;
  const ask = () =>
    s.call('POST', '/actions/check', { engine, body: { engine_id: engine.id, platform: 'calendar', action_type: 'create_event' } });
  const request = (extra: Record<string, unknown> = {}) =>
    s.call('POST', '/grants/request', {
      engine,
      body: { platform: 'calendar', action_type: 'create_event', scopes: ['calendar.write'], reason: 'sync meetings', ...extra },
    });
  // One client for what a test reads or does in Temporal directly, beside the API.
  let temporal: Client;
  const flowStatus = async (workflowId: string) => (await temporal.workflow.getHandle(workflowId).describe()).status.name;
  const terminate = (workflowId: string, reason: string) => temporal.workflow.getHandle(workflowId).terminate(reason);
  const requestStatus = async (id: string) =>
    ((await s.call('GET', '/grant-requests')).body as { id: string; status: string }[]).find((r) => r.id === id)?.status;

  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
    await s.startWorker();
    await s.putPlatform('calendar');
    engine = await s.registerEngine('scheduler');
    temporal = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
  });
  afterAll(async () => {
    await temporal.connection.close();
    await s.close();
  });

  it('waits for an operator across a worker restart, then applies the approved grant', async () => {
    const req = await request();
    expect(req.status).toBe(202);
    expect(req.body).toMatchObject({ status: 'pending', engine_id: engine.id, workflow_id: `grant-request-${engine.id}-${req.body.id}` });
    expect((await s.call('GET', '/grant-requests?status=pending')).body.map((r: { id: string }) => r.id)).toContain(req.body.id);

    await s.stopWorker();
    await s.startWorker();

    const approved = await s.call('POST', `/grant-requests/${req.body.id}/approve`, {
      headers: { 'x-request-id': `approve-${req.body.id}` },
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', decided_by: expect.stringMatching(/^operator:key_/) });
    expect(approved.body.grant_id).toMatch(/^grt_/);
    // What the workflow changed on the operator's word is traced to the operator's request.
    const applied = s.db.prepare(
      "SELECT action, actor, request_id FROM audit_log WHERE details LIKE ? AND action IN ('grant_request.approved', 'grant.created') ORDER BY seq",
    );
    expect(applied.all(`%${approved.body.grant_id}%`)).toEqual([
      { action: 'grant.created', actor: `workflow:${req.body.workflow_id}`, request_id: `approve-${req.body.id}` },
      { action: 'grant_request.approved', actor: `workflow:${req.body.workflow_id}`, request_id: `approve-${req.body.id}` },
    ]);
    expect((await ask()).body).toMatchObject({ allowed: true, required_scopes: ['calendar.write'] });

    const again = await s.call('POST', `/grant-requests/${req.body.id}/deny`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('REQUEST_NOT_PENDING');
    await s.call('DELETE', `/grants/${approved.body.grant_id}`);
  });

  it('lets an approved request replace the grant the engine held for that action', async () => {
    const held = await s.grant(engine.id, 'calendar', 'create_event', ['calendar.read']);
    const req = await request({ scopes: ['calendar.read', 'calendar.write'] });
    const approved = await s.call('POST', `/grant-requests/${req.body.id}/approve`);
    expect(approved.status).toBe(200);
    const active = (await s.call('GET', `/grants?engine_id=${engine.id}&status=active`)).body as { id: string; scopes: string[] }[];
    expect(active).toEqual([expect.objectContaining({ id: approved.body.grant_id, scopes: ['calendar.read', 'calendar.write'] })]);
    expect((await s.call('GET', `/grants?engine_id=${engine.id}&status=revoked`)).body.map((g: { id: string }) => g.id)).toContain(
      held.body.id,
    );
    expect((await ask()).body).toMatchObject({ allowed: true, required_scopes: ['calendar.read', 'calendar.write'] });
    await s.call('DELETE', `/grants/${approved.body.grant_id}`);
  });

  it('refuses a second request for an action while the first waits for an operator', async () => {
    const first = await request({ platform: 'calendar', action_type: 'delete_event' });
    expect(first.status).toBe(202);
    const second = await request({ platform: 'calendar', action_type: 'delete_event', scopes: ['calendar.admin'] });
    expect(second.status).toBe(409);
    expect(second.body.error).toEqual({
      code: 'REQUEST_PENDING',
      message: `request ${first.body.id} for calendar/delete_event is still waiting for an operator`,
      details: { request_id: first.body.id },
    });
    const waiting = await s.call('GET', `/grant-requests?engine_id=${engine.id}&platform=calendar&status=pending`);
    expect(waiting.body.map((r: { id: string }) => r.id)).toEqual([first.body.id]);
    expect((await s.call('GET', `/grant-requests?engine_id=eng_nobody`)).body).toEqual([]);
    expect((await s.call('POST', `/grant-requests/${first.body.id}/deny`)).status).toBe(200);
    const after = await request({ platform: 'calendar', action_type: 'delete_event' });
    expect(after.status).toBe(202);
    expect((await s.call('POST', `/grant-requests/${after.body.id}/deny`)).status).toBe(200);
  });

  it('answers 504 when no worker confirms a decision in time; deciding again learns which decision won', async () => {
    const req = await request();
    await s.stopWorker();
    try {
      const unconfirmed = await s.call('POST', `/grant-requests/${req.body.id}/approve`);
      expect(unconfirmed.status).toBe(504);
      expect(unconfirmed.body.error.code).toBe('DECISION_NOT_CONFIRMED');
      expect(await requestStatus(req.body.id)).toBe('pending');
    } finally {
      await s.startWorker();
    }
    // Deciding again, even the other way, joins the decision Temporal may still hold, and the answer says which one
    // won: Temporal hands the first decision to the new worker, or, had it dropped it, the second one is applied.
    const again = await s.call('POST', `/grant-requests/${req.body.id}/deny`);
    const settled = await eventually(
      () => requestStatus(req.body.id),
      (status) => status !== 'pending',
    );
    if (again.status === 200) {
      expect(again.body.status).toBe('denied');
      expect(settled).toBe('denied');
    } else {
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({ code: 'REQUEST_NOT_PENDING', message: expect.stringMatching(/ is already approved/) });
      expect(settled).toBe('approved');
      expect((await ask()).body).toMatchObject({ allowed: true });
      const granted = (await s.call('GET', '/grant-requests')).body.find((r: { id: string }) => r.id === req.body.id);
      await s.call('DELETE', `/grants/${granted.grant_id}`);
    }
  });

  it('records a denial and grants nothing; the engine reads the outcome, another engine cannot', async () => {
    const req = await request();
    const denied = await s.call('POST', `/grant-requests/${req.body.id}/deny`);
    expect(denied.body).toMatchObject({ status: 'denied', grant_id: null });
    const own = await s.call('GET', `/grants/request/${req.body.id}`, { engine });
    expect(own.body).toMatchObject({ id: req.body.id, status: 'denied', decided_by: expect.stringMatching(/^operator:/) });
    const stranger = await s.call('GET', `/grants/request/${req.body.id}`, { engine: await s.registerEngine() });
    expect(stranger.status).toBe(404);
    expect((await ask()).body).toMatchObject({ allowed: false, reason: 'no_grant' });
  });

  it('expires a request nobody decided by its deadline', async () => {
    const req = await request({ deadline_s: 2 });
    await eventually(
      () => requestStatus(req.body.id),
      (status) => status === 'expired',
    );
    const late = await s.call('POST', `/grant-requests/${req.body.id}/approve`);
    expect(late.status).toBe(409);
    expect((await ask()).body.allowed).toBe(false);
  });

  it('expires a request at its deadline even while no worker runs: a later decision is refused, and the engine may ask again', async () => {
    // Stopped first: a worker still stopping at the deadline would expire the request itself.
    await s.stopWorker();
    let req;
    let again;
    try {
      req = await request({ action_type: 'late_event', deadline_s: 2 });
      expect(req.body.deadline_at).toBe(new Date(Date.parse(req.body.created_at) + 2000).toISOString());
      await sleep(2500);
      const late = await s.call('POST', `/grant-requests/${req.body.id}/approve`);
      expect(late.status).toBe(409);
      expect(late.body.error).toEqual({
        code: 'REQUEST_NOT_PENDING',
        message: `request ${req.body.id} expired at its deadline, ${req.body.deadline_at}, before this decision`,
      });
      again = await request({ action_type: 'late_event' });
      expect(again.status).toBe(202);
    } finally {
      await s.startWorker();
    }
    await eventually(
      () => flowStatus(req.body.workflow_id),
      (status) => status === 'COMPLETED',
    );
    const [expired] = (await s.call('GET', `/grant-requests?engine_id=${engine.id}&status=expired`)).body.filter(
      (r: { id: string }) => r.id === req.body.id,
    );
    expect(expired).toMatchObject({ decided_by: 'system:deadline', grant_id: null });
    expect((await s.call('POST', `/grant-requests/${again.body.id}/deny`)).status).toBe(200);
  });

  it('refuses a decision sent in time that no worker saw before the deadline', async () => {
    await s.stopWorker();
    let req;
    try {
      req = await request({ action_type: 'slow_event', deadline_s: 3 });
      // Sent at once, but it waits for a worker (504 after 10 s), and the deadline passes meanwhile.
      const sent = Date.now();
      expect((await s.call('POST', `/grant-requests/${req.body.id}/approve`)).status).toBe(504);
      // Else the decision was late already when sent, and what follows proves nothing: the machine was too slow for the test.
      expect(sent).toBeLessThan(Date.parse(req.body.deadline_at));
    } finally {
      await s.startWorker();
    }
    await eventually(
      () => flowStatus(req.body.workflow_id),
      (status) => status === 'COMPLETED',
    );
    expect(await requestStatus(req.body.id)).toBe('expired');
    expect(
      (await s.call('POST', '/actions/check', { engine, body: { engine_id: engine.id, platform: 'calendar', action_type: 'slow_event' } }))
        .body,
    ).toMatchObject({ allowed: false, reason: 'no_grant' });
  });

  it('lets a grant that is over by the clock be replaced while no worker has ended it yet', async () => {
    // Stopped first: a worker still stopping when the grant ends would end it itself.
    await s.stopWorker();
    const check = () =>
      s.call('POST', '/actions/check', { engine, body: { engine_id: engine.id, platform: 'calendar', action_type: 'lapse_event' } });
    let boxed;
    let next;
    try {
      boxed = await s.grant(engine.id, 'calendar', 'lapse_event', ['calendar.read'], new Date(Date.now() + 1500).toISOString());
      await eventually(check, (res) => res.body.reason === 'grant_expired', 10_000);
      next = await s.grant(engine.id, 'calendar', 'lapse_event', ['calendar.write']);
      expect(next.status).toBe(201);
      expect(next.body.superseded).toEqual([]);
      expect((await check()).body).toMatchObject({ allowed: true, required_scopes: ['calendar.write'] });
    } finally {
      await s.startWorker();
    }
    await eventually(
      () => flowStatus(boxed.body.expiry_workflow_id),
      (status) => status === 'COMPLETED',
    );
    const grants = (await s.call('GET', `/grants?engine_id=${engine.id}&action_type=lapse_event`)).body as {
      id: string;
      status: string;
      ended_at: string;
    }[];
    expect(grants.find((g) => g.id === boxed.body.id)).toMatchObject({ status: 'expired', ended_at: boxed.body.expires_at });
    expect(grants.find((g) => g.id === next.body.id)).toMatchObject({ status: 'active' });
    await s.call('DELETE', `/grants/${next.body.id}`);
  });

  it('revokes a time-boxed grant when it ends, even with the worker down at that moment', async () => {
    const req = await request({ duration_s: 3 });
    const approved = await s.call('POST', `/grant-requests/${req.body.id}/approve`);
    const grant = async () =>
      (await s.call('GET', `/grants?engine_id=${engine.id}`)).body.find((g: { id: string }) => g.id === approved.body.grant_id);
    const { expires_at } = await grant();
    expect((await ask()).body.allowed).toBe(true);
    await s.stopWorker();
    // Else the worker saw the end, and what follows proves nothing: the machine was too slow for the test.
    expect(Date.now()).toBeLessThan(Date.parse(expires_at));
    await eventually(ask, (res) => res.body.reason === 'grant_expired', 10_000);
    // Checks go by the clock; the row is the flow's to end, and no worker has run it.
    expect(await grant()).toMatchObject({ status: 'active' });
    await s.startWorker();
    await eventually(grant, (g) => g.status === 'expired');
    // Still named for what happened once the timer has ended the grant, not only before.
    expect((await ask()).body).toMatchObject({ allowed: false, reason: 'grant_expired' });
    const later = await s.grant(engine.id, 'calendar', 'create_event', ['calendar.write']);
    await s.call('DELETE', `/grants/${later.body.id}`);
    expect((await ask()).body).toMatchObject({ allowed: false, reason: 'no_grant' });
  });

  it('expires an operator-made grant with expires_at on a durable timer', async () => {
    const grant = await s.grant(engine.id, 'calendar', 'create_event', ['calendar.write'], new Date(Date.now() + 5000).toISOString());
    expect(grant.status).toBe(201);
    expect(grant.body.expiry_workflow_id).toBe(`grant-expiry-${grant.body.id}`);
    expect((await ask()).body.allowed).toBe(true);
    await eventually(
      async () => (await s.call('GET', `/grants?engine_id=${engine.id}&status=expired`)).body.map((g: { id: string }) => g.id),
      (ids) => ids.includes(grant.body.id),
    );
    const decisions = await s.call('GET', `/audit/verify`);
    expect(decisions.body.ok).toBe(true);
  });

  it('denies the open requests of an engine when it is revoked, so no approval can hang on them', async () => {
    const doomed = await s.registerEngine();
    const req = await s.call('POST', '/grants/request', {
      engine: doomed,
      body: { platform: 'calendar', action_type: 'create_event', scopes: ['x'], reason: 'r' },
    });
    expect(req.status).toBe(202);
    expect((await s.call('POST', `/engines/${doomed.id}/revoke`)).status).toBe(200);
    expect(await requestStatus(req.body.id)).toBe('denied');
    const late = await s.call('POST', `/grant-requests/${req.body.id}/approve`);
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'REQUEST_NOT_PENDING', message: `request ${req.body.id} is already denied` });
  });

  it('ends the flows of grants and requests that end before their timers: a revoked grant, a revoked engine', async () => {
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    const timed = await s.grant(engine.id, 'calendar', 'update_event', ['calendar.write'], inAnHour);
    expect(await flowStatus(timed.body.expiry_workflow_id)).toBe('RUNNING');
    expect((await s.call('DELETE', `/grants/${timed.body.id}`)).status).toBe(200);
    await eventually(
      () => flowStatus(timed.body.expiry_workflow_id),
      (status) => status === 'COMPLETED',
    );

    const leaving = await s.registerEngine();
    const asked = await s.call('POST', '/grants/request', {
      engine: leaving,
      body: { platform: 'calendar', action_type: 'create_event', scopes: ['x'], reason: 'r' },
    });
    const boxed = await s.call('POST', '/grants/request', {
      engine: leaving,
      body: { platform: 'calendar', action_type: 'read_event', scopes: ['x'], reason: 'r', duration_s: 3600 },
    });
    expect((await s.call('POST', `/grant-requests/${boxed.body.id}/approve`)).status).toBe(200);
    expect((await s.call('POST', `/engines/${leaving.id}/revoke`)).status).toBe(200);
    await eventually(
      () => flowStatus(asked.body.workflow_id),
      (status) => status === 'COMPLETED',
    );
    await eventually(
      () => flowStatus(boxed.body.workflow_id),
      (status) => status === 'COMPLETED',
    );
    expect(await requestStatus(asked.body.id)).toBe('denied');
  });

  it('ends the timers of the grants an approved request replaces, and leaves the new grant standing', async () => {
    const timed = await s.grant(engine.id, 'calendar', 'share_event', ['calendar.read'], new Date(Date.now() + 3_600_000).toISOString());
    const boxed = await request({ action_type: 'share_event', duration_s: 3600 });
    const first = await s.call('POST', `/grant-requests/${boxed.body.id}/approve`);
    expect(first.status).toBe(200);
    await eventually(
      () => flowStatus(timed.body.expiry_workflow_id),
      (status) => status === 'COMPLETED',
    );
    expect(await flowStatus(boxed.body.workflow_id)).toBe('RUNNING');

    const lasting = await request({ action_type: 'share_event' });
    const second = await s.call('POST', `/grant-requests/${lasting.body.id}/approve`);
    expect(second.status).toBe(200);
    await eventually(
      () => flowStatus(boxed.body.workflow_id),
      (status) => status === 'COMPLETED',
    );

    const grants = (await s.call('GET', `/grants?engine_id=${engine.id}&platform=calendar&action_type=share_event`)).body as {
      id: string;
      status: string;
    }[];
    expect(Object.fromEntries(grants.map((g) => [g.id, g.status]))).toEqual({
      [timed.body.id]: 'revoked',
      [first.body.grant_id]: 'revoked',
      [second.body.grant_id]: 'active',
    });
    await s.call('DELETE', `/grants/${second.body.grant_id}`);
  });

  it('closes a request whose flow was terminated in Temporal when an operator decides it, so the engine may ask again', async () => {
    const req = await request({ action_type: 'archive_event' });
    await terminate(req.body.workflow_id, 'operator cleanup');
    const decided = await s.call('POST', `/grant-requests/${req.body.id}/approve`);
    expect(decided.status).toBe(409);
    expect(decided.body.error).toEqual({
      code: 'REQUEST_NOT_PENDING',
      message: `request ${req.body.id} had no flow left in Temporal (terminated or failed there), so it was closed as expired; the engine may ask again`,
    });
    const [closed] = (await s.call('GET', `/grant-requests?engine_id=${engine.id}&status=expired`)).body.filter(
      (r: { id: string }) => r.id === req.body.id,
    );
    expect(closed).toMatchObject({ decided_by: 'system:flow-gone' });
    const again = await request({ action_type: 'archive_event' });
    expect(again.status).toBe(202);
    expect((await s.call('POST', `/grant-requests/${again.body.id}/deny`)).status).toBe(200);
  });

  it('lets the engine ask again when the flow of its pending request is gone from Temporal', async () => {
    const stuck = await request({ action_type: 'move_event' });
    await terminate(stuck.body.workflow_id, 'lost in a crash');
    const again = await request({ action_type: 'move_event' });
    expect(again.status).toBe(202);
    expect(await requestStatus(stuck.body.id)).toBe('expired');
    const [closed] = (await s.call('GET', `/grant-requests?engine_id=${engine.id}&status=expired`)).body.filter(
      (r: { id: string }) => r.id === stuck.body.id,
    );
    expect(closed).toMatchObject({ decided_by: 'system:flow-gone' });
    // A flow still running keeps its request, and the second ask is refused as before.
    expect((await request({ action_type: 'move_event' })).body.error).toMatchObject({
      code: 'REQUEST_PENDING',
      details: { request_id: again.body.id },
    });
    expect((await s.call('POST', `/grant-requests/${again.body.id}/deny`)).status).toBe(200);
    // So does a request a moment old whose flow Temporal does not have yet: another call may be starting it now.
    const { grants } = engineLedgers(s.db);
    const starting = grants.createRequest(
      { actor: 'test', requestId: null },
      {
        id: 'greq_starting',
        engine_id: engine.id,
        platform_id: 'calendar',
        action_type: 'move_event',
        scopes: ['x'],
        duration_s: null,
        reason: '',
        workflow_id: 'grant-request-not-yet',
      },
      86_400,
    );
    expect((await request({ action_type: 'move_event' })).body.error).toMatchObject({
      code: 'REQUEST_PENDING',
      details: { request_id: starting.id },
    });
    grants.settleRequest({ actor: 'test', requestId: null }, starting.id, 'denied', 'operator:test');
  });

  it('refuses a request from a suspended engine and starts no flow', async () => {
    const paused = await s.registerEngine();
    expect((await s.call('POST', `/engines/${paused.id}/suspend`)).status).toBe(200);
    const res = await s.call('POST', '/grants/request', {
      engine: paused,
      body: { platform: 'calendar', action_type: 'create_event', scopes: ['x'], reason: 'r' },
    });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({
      code: 'ENGINE_SUSPENDED',
      message: `engine ${paused.id} is suspended; it cannot ask for permissions until resumed`,
    });
    const pending = (await s.call('GET', '/grant-requests')).body as { engine_id: string }[];
    expect(pending.filter((r) => r.engine_id === paused.id)).toEqual([]);
  });

  it('rejects a grant that would expire in the past', async () => {
    const res = await s.grant(engine.id, 'calendar', 'create_event', ['x'], new Date(Date.now() - 1000).toISOString());
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields[0].field).toBe('body.expires_at');
  });

  it('tags every flow with search attributes so operators can find an engine’s flows', async () => {
    const ids = await eventually(
      async () => {
        const found: string[] = [];
        for await (const wf of temporal.workflow.list({ query: `BorgEngineId = "${engine.id}"` })) found.push(wf.workflowId);
        return found;
      },
      (found) => found.length >= 5,
    );
    expect(ids.every((id) => id.startsWith(`grant-request-${engine.id}-`) || id.startsWith('grant-expiry-'))).toBe(true);
  });
});
