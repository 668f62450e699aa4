import { EventEmitter, once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestStack } from '../../../support/engine-control.js';
import type { EngineCreds, TestStack } from '../../../support/engine-control.js';

const audited = (s: TestStack, action: string) =>
  s.db
    .prepare<[string], { details: string }>('SELECT details FROM audit_log WHERE action = ? ORDER BY seq')
    .all(action)
    .map((r) => JSON.parse(r.details) as unknown);

describe('one active grant per engine, platform and action', () => {
  let s: TestStack;
  let engine: EngineCreds;
  const ask = () => s.call('POST', '/actions/check', { engine, body: { engine_id: engine.id, platform: 'slack', action_type: 'post' } });
  const active = async () =>
    ((await s.call('GET', `/grants?engine_id=${engine.id}&status=active`)).body as { id: string }[]).map((g) => g.id);

  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
    await s.putPlatform('slack');
    engine = await s.registerEngine('poster');
  });
  afterAll(() => s.close());

  it('refuses a second grant with 409 naming the first, and replace: true swaps the scopes that decide', async () => {
    const first = await s.grant(engine.id, 'slack', 'post', ['chat:write', 'files:write']);
    expect(first.status).toBe(201);
    expect(first.body.superseded).toEqual([]);

    const second = await s.grant(engine.id, 'slack', 'post', ['chat:write']);
    expect(second.status).toBe(409);
    expect(second.body.error).toEqual({
      code: 'GRANT_EXISTS',
      message: `engine ${engine.id} already holds ${first.body.id} for slack/post; send "replace": true to replace it, or revoke it first`,
      details: { grant_ids: [first.body.id] },
    });
    expect(await active()).toEqual([first.body.id]);
    expect((await ask()).body).toMatchObject({ allowed: true, required_scopes: ['chat:write', 'files:write'] });

    const replacing = await s.call('POST', '/grants', {
      body: { engine_id: engine.id, platform: 'slack', action_type: 'post', scopes: ['chat:write'], replace: true },
    });
    expect(replacing.status).toBe(201);
    expect(replacing.body).toMatchObject({ status: 'active', scopes: ['chat:write'], superseded: [first.body.id] });
    expect(await active()).toEqual([replacing.body.id]);
    expect((await ask()).body).toMatchObject({
      allowed: true,
      required_scopes: ['chat:write'],
      message: `granted by ${replacing.body.id}`,
    });
    expect(audited(s, 'grant.superseded')).toEqual([{ grant_id: first.body.id, by_grant_id: replacing.body.id }]);

    // Revoking the grant in force leaves none: the one it replaced does not come back.
    expect((await s.call('DELETE', `/grants/${replacing.body.id}`)).status).toBe(200);
    expect((await ask()).body).toMatchObject({ allowed: false, reason: 'no_grant' });
  });

  it('pages grants oldest first with limit and after, and says when after names no grant', async () => {
    const pager = await s.registerEngine();
    const made: string[] = [];
    for (const action of ['a1', 'a2', 'a3', 'a4', 'a5']) made.push((await s.grant(pager.id, 'slack', action, ['x'])).body.id as string);
    const page = async (query: string) =>
      ((await s.call('GET', `/grants?engine_id=${pager.id}${query}`)).body as { id: string }[]).map((g) => g.id);
    expect(await page('')).toEqual(made);
    expect(await page('&limit=2')).toEqual(made.slice(0, 2));
    expect(await page(`&limit=2&after=${made[1]}`)).toEqual(made.slice(2, 4));
    expect(await page(`&limit=2&after=${made[3]}`)).toEqual(made.slice(4));
    const lost = await s.call('GET', '/grants?after=grt_nothing');
    expect(lost.status).toBe(400);
    expect(lost.body.error).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'querystring.after names no grant: grt_nothing',
      details: { fields: [{ field: 'querystring.after', message: 'names no grant' }] },
    });
    expect((await s.call('GET', '/grants?limit=1001')).status).toBe(400);
    expect((await s.call('GET', '/grant-requests?after=greq_nothing')).body.error.message).toBe(
      'querystring.after names no grant request: greq_nothing',
    );
  });

  it('puts a time-boxed grant in force only once Temporal has confirmed its timer', async () => {
    // A Temporal that takes connections and never answers: the timer's start waits out its whole deadline.
    const reached = new EventEmitter();
    const silent = createServer((socket) => socket.on('data', () => reached.emit('data')));
    await new Promise<void>((listening) => silent.listen(0, '127.0.0.1', listening));
    const hung = await startTestStack(`127.0.0.1:${(silent.address() as AddressInfo).port}`);
    try {
      await hung.putPlatform('slack');
      const e = await hung.registerEngine();
      const expires_at = new Date(Date.now() + 3_600_000).toISOString();
      const calling = once(reached, 'data');
      const granting = hung.call('POST', '/grants', {
        body: { engine_id: e.id, platform: 'slack', action_type: 'dm', scopes: ['im:write'], expires_at },
      });
      const check = () =>
        hung.call('POST', '/actions/check', { engine: e, body: { engine_id: e.id, platform: 'slack', action_type: 'dm' } });
      // The route has reached Temporal: anything it writes before the timer is confirmed is written by now.
      await calling;
      const during = await check();
      expect((await granting).status).toBe(503);
      expect(during.body).toMatchObject({ allowed: false, reason: 'no_grant' });
      expect((await check()).body).toMatchObject({ allowed: false, reason: 'no_grant' });
      expect((await hung.call('GET', `/grants?engine_id=${e.id}`)).body).toEqual([]);
    } finally {
      await hung.close();
      silent.close();
    }
  });

  it('keeps the grant it was to replace when the replacement cannot get its expiry timer', async () => {
    const down = await startTestStack('127.0.0.1:1');
    try {
      await down.putPlatform('slack');
      const e = await down.registerEngine('poster');
      const kept = await down.grant(e.id, 'slack', 'post', ['chat:write']);
      const expires_at = new Date(Date.now() + 3_600_000).toISOString();
      const res = await down.call('POST', '/grants', {
        body: { engine_id: e.id, platform: 'slack', action_type: 'post', scopes: ['admin'], expires_at, replace: true },
      });
      expect(res.status).toBe(503);
      expect(res.body.error).toEqual({
        code: 'TEMPORAL_UNAVAILABLE',
        message: 'Temporal did not confirm the start of the expiry timer; no grant was made and the one it was to replace stays',
      });
      const grants = (await down.call('GET', `/grants?engine_id=${e.id}`)).body as { id: string; scopes: string[] }[];
      expect(grants).toEqual([expect.objectContaining({ id: kept.body.id, scopes: ['chat:write'] })]);
      const check = await down.call('POST', '/actions/check', {
        engine: e,
        body: { engine_id: e.id, platform: 'slack', action_type: 'post' },
      });
      expect(check.body).toMatchObject({ allowed: true, required_scopes: ['chat:write'] });

      // A request whose approval flow never started is closed, and says so, rather than looking like a missed deadline.
      const asked = await down.call('POST', '/grants/request', {
        engine: e,
        body: { platform: 'slack', action_type: 'upload', scopes: ['files:write'], reason: 'r' },
      });
      expect(asked.status).toBe(503);
      const [closed] = (await down.call('GET', `/grant-requests?engine_id=${e.id}`)).body as { status: string; decided_by: string }[];
      expect(closed).toMatchObject({ status: 'expired', decided_by: 'system:flow-start-unconfirmed' });
    } finally {
      await down.close();
    }
  });
});
