import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestStack } from '../../../support/engine-control.js';
import type { EngineCreds, TestStack } from '../../../support/engine-control.js';

describe('POST /actions/check', () => {
  let s: TestStack;
  let engine: EngineCreds;
  const check = (e: EngineCreds, body: Record<string, unknown>) => s.call('POST', '/actions/check', { engine: e, body });
  const ask = (e: EngineCreds, platform = 'gmail', action_type = 'send_email') => check(e, { engine_id: e.id, platform, action_type });

  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
    engine = await s.registerEngine('mailer');
    expect((await s.putPlatform('gmail')).status).toBe(200);
    expect((await s.grant(engine.id, 'gmail', 'send_email', ['gmail.send', 'gmail.readonly'])).status).toBe(201);
  });
  afterAll(() => s.close());

  it('allows a granted action and returns the required scopes and a decision id', async () => {
    const res = await ask(engine);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ allowed: true, reason: 'granted', required_scopes: ['gmail.send', 'gmail.readonly'] });
    expect(res.body.decision_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });

  it('denies an action with no grant: no_grant', async () => {
    expect((await ask(engine, 'gmail', 'delete_email')).body).toMatchObject({ allowed: false, reason: 'no_grant', required_scopes: [] });
  });

  it('denies an unknown platform: platform_unknown', async () => {
    expect((await ask(engine, 'myspace', 'send_email')).body).toMatchObject({ allowed: false, reason: 'platform_unknown' });
  });

  it('denies a check made on behalf of another engine: engine_mismatch, logged in the history of the engine that tried', async () => {
    const other = await s.registerEngine('other');
    const res = await check(other, { engine_id: engine.id, platform: 'gmail', action_type: 'send_email' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ allowed: false, reason: 'engine_mismatch' });
    const byDecision = (log: { body: { decision_id: string }[] }) => log.body.find((d) => d.decision_id === res.body.decision_id);
    expect(byDecision(await s.call('GET', `/decisions?engine_id=${other.id}&allowed=false`))).toMatchObject({
      engine_id: other.id,
      reason: 'engine_mismatch',
      message: `engine ${other.id} cannot check on behalf of engine ${engine.id}`,
    });
    expect(byDecision(await s.call('GET', `/decisions?engine_id=${engine.id}&allowed=false`))).toBeUndefined();
  });

  it('keeps the decision log verifiable when a check carries a lone surrogate, which SQLite cannot store as sent', async () => {
    const res = await check(engine, { engine_id: 'eng_\ud800', platform: 'gmail', action_type: 'send_email' });
    expect(res.body).toMatchObject({ allowed: false, reason: 'engine_mismatch' });
    const verify = await s.call('GET', '/audit/verify', { operator: s.keyFor('reader') });
    expect(verify.body).toMatchObject({ ok: true });
  });

  it('denies while the platform is in maintenance or disabled, and allows again when active', async () => {
    await s.putPlatform('gmail', 'maintenance');
    expect((await ask(engine)).body).toMatchObject({ allowed: false, reason: 'platform_maintenance' });
    await s.putPlatform('gmail', 'disabled');
    expect((await ask(engine)).body).toMatchObject({ allowed: false, reason: 'platform_disabled' });
    await s.putPlatform('gmail', 'active');
    expect((await ask(engine)).body).toMatchObject({ allowed: true });
  });

  it('keeps a platform disabled when an update leaves its status out', async () => {
    await s.putPlatform('gmail', 'disabled');
    const updated = await s.call('PUT', '/platforms/gmail', { body: { name: 'Gmail', version: '2.0' } });
    expect(updated.body).toMatchObject({ id: 'gmail', name: 'Gmail', version: '2.0', status: 'disabled' });
    expect((await ask(engine)).body).toMatchObject({ allowed: false, reason: 'platform_disabled' });
    await s.putPlatform('gmail', 'active');
    const created = await s.call('PUT', '/platforms/dropbox', { body: { name: 'Dropbox', version: '1' } });
    expect(created.body.status).toBe('active');
  });

  it('denies when a feature flag disables the platform or the action: flag_disabled', async () => {
    await s.call('PUT', '/flags/no-gmail', { body: { enabled: false, platform: 'gmail' } });
    expect((await ask(engine)).body).toMatchObject({ allowed: false, reason: 'flag_disabled' });
    await s.call('PUT', '/flags/no-gmail', { body: { enabled: true, platform: 'gmail' } });
    expect((await ask(engine)).body).toMatchObject({ allowed: true });
    await s.call('PUT', '/flags/no-sending', { body: { enabled: false, action_type: 'send_email' } });
    expect((await ask(engine)).body.message).toContain('no-sending');
    expect((await s.call('DELETE', '/flags/no-sending')).status).toBe(204);
    expect((await ask(engine)).body).toMatchObject({ allowed: true });
    const config = await s.call('GET', '/config/global', { engine });
    expect(config.body).toMatchObject({ api_version: 'v1', flags: { 'no-gmail': true } });
  });

  it('refuses a flag that names a platform nobody registered, rather than storing a gate that gates nothing', async () => {
    const typo = await s.call('PUT', '/flags/no-gmial', { body: { enabled: false, platform: 'gmial' } });
    expect(typo.status).toBe(404);
    expect(typo.body.error).toMatchObject({ code: 'PLATFORM_NOT_FOUND', message: 'no platform gmial' });
    expect((await s.call('GET', '/config/global', { engine })).body.flags).not.toHaveProperty('no-gmial');
  });

  it('denies a suspended engine and allows it again once resumed; a repeated suspend or resume records nothing', async () => {
    const changes = () =>
      s.db
        .prepare(
          "SELECT action, details FROM audit_log WHERE kind = 'change' AND engine_id = ? AND action IN ('engine.suspended', 'engine.resumed') ORDER BY seq",
        )
        .all(engine.id);
    for (const step of ['suspend', 'suspend'] as const) {
      const res = await s.call('POST', `/engines/${engine.id}/${step}`);
      expect(res.body).toMatchObject({ id: engine.id, status: 'suspended' });
    }
    expect((await ask(engine)).body).toMatchObject({ allowed: false, reason: 'engine_suspended' });
    for (const step of ['resume', 'resume'] as const)
      expect((await s.call('POST', `/engines/${engine.id}/${step}`)).body.status).toBe('active');
    expect((await ask(engine)).body).toMatchObject({ allowed: true });
    expect(changes()).toEqual([
      { action: 'engine.suspended', details: '{"from":"active"}' },
      { action: 'engine.resumed', details: '{"from":"suspended"}' },
    ]);
  });

  it('denies after the grant is revoked', async () => {
    const e = await s.registerEngine();
    const grant = await s.grant(e.id, 'gmail', 'send_email');
    expect((await ask(e)).body.allowed).toBe(true);
    await s.call('DELETE', `/grants/${grant.body.id}`);
    expect((await ask(e)).body).toMatchObject({ allowed: false, reason: 'no_grant' });
  });

  it('rejects the old key after a rotation and accepts the new one', async () => {
    const e = await s.registerEngine();
    await s.grant(e.id, 'gmail', 'send_email');
    const rotated = await s.call('POST', `/engines/${e.id}/rotate-key`);
    expect(rotated.status).toBe(200);
    const old = await ask(e);
    expect(old.status).toBe(401);
    expect(old.body.error.code).toBe('ENGINE_AUTH_FAILED');
    expect((await ask({ id: e.id, key: rotated.body.key as string })).body).toMatchObject({ allowed: true });
  });

  it('rejects a revoked engine with 401 and ends its grants, each one audited', async () => {
    const e = await s.registerEngine();
    const held = await s.grant(e.id, 'gmail', 'send_email');
    await s.call('POST', `/engines/${e.id}/revoke`);
    const res = await ask(e);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('ENGINE_REVOKED');
    const grants = await s.call('GET', `/grants?engine_id=${e.id}`);
    expect(grants.body.map((g: { status: string }) => g.status)).toEqual(['revoked']);
    const ended = s.db
      .prepare<[string], { action: string; details: string }>(
        "SELECT action, details FROM audit_log WHERE engine_id = ? AND kind = 'change' ORDER BY seq",
      )
      .all(e.id);
    expect(ended.slice(-2)).toEqual([
      { action: 'engine.revoked', details: JSON.stringify({ from: 'active' }) },
      { action: 'grant.revoked', details: JSON.stringify({ grant_id: held.body.id }) },
    ]);
  });

  it('rejects missing or wrong engine credentials with 401', async () => {
    const none = await s.call('POST', '/actions/check', {
      operator: '',
      body: { engine_id: engine.id, platform: 'gmail', action_type: 'send_email' },
    });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('ENGINE_AUTH_REQUIRED');
    const wrong = await ask({ id: engine.id, key: 'bek_wrong' });
    expect(wrong.status).toBe(401);
    expect((await ask({ id: 'eng_nope', key: engine.key })).body.error.code).toBe('ENGINE_AUTH_FAILED');
  });

  it.each([
    [{ platform: 'gmail', action_type: 'send_email' }, 'body.engine_id'],
    [{ engine_id: 'x', platform: 'Gmail!', action_type: 'send_email' }, 'body.platform'],
    [{ engine_id: 'x', platform: 'gmail', action_type: 42 }, 'body.action_type'],
    [{ engine_id: 'x', platform: 'gmail', action_type: 'send', extra: true }, 'body.extra'],
  ])('rejects malformed body %j with 400 naming %s, and logs no decision', async (body, field) => {
    const before = (await s.call('GET', '/decisions?limit=1000')).body.length;
    const res = await check(engine, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    expect((await s.call('GET', '/decisions?limit=1000')).body.length).toBe(before);
  });

  it('rejects a body that is not JSON with 400', async () => {
    const res = await s.call('POST', '/actions/check', { engine, raw: '{"engine_id":' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_JSON_BODY');
  });

  it('answers unknown routes with 404 in the uniform shape', async () => {
    const res = await s.call('POST', '/actions/approve', { engine, body: {} });
    expect(res).toEqual({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'no route POST /actions/approve' } } });
  });

  it('records every decision with request_id, filterable, in an intact hash chain', async () => {
    const res = await s.call('POST', '/actions/check', {
      engine,
      body: { engine_id: engine.id, platform: 'gmail', action_type: 'send_email' },
      headers: { 'x-request-id': 'trace-check-1' },
    });
    const [latest] = (await s.call('GET', `/decisions?engine_id=${engine.id}&platform=gmail&action_type=send_email&allowed=true&limit=1`))
      .body;
    expect(latest).toMatchObject({
      decision_id: res.body.decision_id,
      request_id: 'trace-check-1',
      allowed: true,
      reason: 'granted',
      engine_id: engine.id,
    });
    const since = new Date(Date.now() + 60_000).toISOString();
    expect((await s.call('GET', `/decisions?since=${since}`)).body).toEqual([]);
    const verify = await s.call('GET', '/audit/verify', { operator: s.keyFor('reader') });
    expect(verify.body.ok).toBe(true);
    expect(verify.body.checked).toBeGreaterThan(20);
  });
});
