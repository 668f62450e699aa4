import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Role } from '../../../../src/features/operators/api-key-repository.js';
import { startTestStack } from '../../../support/engine-control.js';
import type { TestStack } from '../../../support/engine-control.js';

describe('zero trust', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
  });
  afterAll(() => s.close());

  it('refuses every documented route but /health and its probes without credentials', async () => {
    const spec = (await (await fetch(`${s.url}/docs/json`, { headers: { authorization: `Bearer ${s.adminKey}` } })).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => [m.toUpperCase(), path.replace(/\{(\w+)\}/g, 'x')] as const),
    );
    expect(documented.length).toBeGreaterThan(25);
    const routes = [...documented, ['GET', '/docs'] as const, ['GET', '/docs/json'] as const];
    // A device has no credentials before it enrolls: these answer strangers by design, each in its own way.
    const bootstrap: Record<string, [number, string | undefined]> = {
      'POST /api/agent/enroll/request': [400, 'hostname_required'],
      'POST /api/agent/enroll/poll': [400, 'VALIDATION_FAILED'],
      'POST /api/agent/token/refresh': [400, 'invalid_dpop_proof'],
      'GET /.well-known/jwks.json': [200, undefined],
    };
    for (const [method, path] of routes) {
      // Orchestrators probe these without credentials.
      if (path === '/health' || path.startsWith('/health/')) continue;
      const expected = bootstrap[`${method} ${path}`];
      if (expected) {
        const res = await fetch(`${s.url}${path}`, {
          method,
          headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
          body: method === 'GET' ? undefined : '{}',
        });
        const body = (await res.json()) as { error?: { code: string } };
        expect([method, path, res.status, body.error?.code]).toEqual([method, path, ...expected]);
        continue;
      }
      const res = await fetch(`${s.url}${path}`, {
        method,
        headers: method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' },
        body: method === 'GET' || method === 'DELETE' ? undefined : '{}',
      });
      expect([method, path, res.status]).toEqual([method, path, 401]);
      const body = (await res.json()) as { error: { code: string } };
      expect(body.error.code).toMatch(/_AUTH_REQUIRED$/);
    }
    expect(Object.keys(bootstrap).every((route) => documented.some(([m, p]) => `${m} ${p}` === route))).toBe(true);
  });

  it('scopes operator keys by role', async () => {
    const reader = s.keyFor('reader');
    const operator = s.keyFor('operator');
    expect((await s.call('GET', '/engines', { operator: reader })).status).toBe(200);
    const denied = await s.call('POST', '/engines/register', { operator: reader, body: { name: 'nope' } });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toEqual({ code: 'FORBIDDEN', message: 'this needs the operator role; the key has reader' });
    expect((await s.call('POST', '/engines/register', { operator, body: { name: 'by-operator' } })).status).toBe(201);
    expect((await s.call('POST', '/api-keys', { operator, body: { name: 'x', role: 'admin' } })).status).toBe(403);
    const made = await s.call('POST', '/api-keys', { body: { name: 'ci', role: 'reader' } });
    expect(made.status).toBe(201);
    expect((await s.call('GET', '/engines', { operator: made.body.key })).status).toBe(200);
    expect((await s.call('DELETE', `/api-keys/${made.body.record.id}`)).status).toBe(204);
    const revoked = await s.call('GET', '/engines', { operator: made.body.key });
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.code).toBe('OPERATOR_AUTH_FAILED');
    expect(JSON.stringify((await s.call('GET', '/api-keys')).body)).not.toContain(made.body.key.split('.')[0]);
  });

  it('documents the least role each operator route admits, and that is the one it enforces', async () => {
    type Operation = { security?: Record<string, string[]>[]; 'x-required-role'?: Role; description?: string };
    const spec = (await s.call('GET', '/docs/json')).body as { paths: Record<string, Record<string, Operation>> };
    const below: Record<Role, Role | undefined> = { reader: undefined, operator: 'reader', admin: 'operator' };
    const seen = new Set<Role>();
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const forOperators = op.security?.some((s) => 'operatorKey' in s) ?? false;
        const role = op['x-required-role'];
        expect([method, path, forOperators]).toEqual([method, path, role !== undefined]);
        if (!role) continue;
        seen.add(role);
        expect(op.description).toMatch(/Operator keys: /);
        const url = `${s.url}${path.replace(/\{(\w+)\}/g, 'x')}`;
        const send = (key: string) =>
          fetch(url, {
            method: method.toUpperCase(),
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: method === 'get' || method === 'delete' ? undefined : '{}',
          });
        const admitted = await send(s.keyFor(role));
        expect([method, path, [401, 403].includes(admitted.status)]).toEqual([method, path, false]);
        const lower = below[role];
        if (lower) expect([method, path, (await send(s.keyFor(lower))).status]).toEqual([method, path, 403]);
      }
    }
    expect([...seen].sort()).toEqual(['admin', 'operator', 'reader']);
  });

  it('accepts the key as X-API-Key too, and refuses a tampered one', async () => {
    const key = s.keyFor('reader');
    expect((await s.call('GET', '/platforms/list', { operator: '', headers: { 'x-api-key': key } })).status).toBe(200);
    const tampered = `${key.slice(0, 10)}${key[10] === 'A' ? 'B' : 'A'}${key.slice(11)}`;
    expect((await s.call('GET', '/platforms/list', { operator: tampered })).status).toBe(401);
  });

  it('never stores or returns an engine key after registration', async () => {
    const engine = await s.registerEngine('secretive');
    const listed = await s.call('GET', `/engines/${engine.id}`);
    expect(JSON.stringify(listed.body)).not.toContain(engine.key);
    const row = s.db.prepare('SELECT key_hash FROM engines WHERE id = ?').get(engine.id) as { key_hash: string };
    expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.key_hash).not.toContain(engine.key);
  });

  it('refuses a second engine with the same name', async () => {
    await s.registerEngine('twin');
    const res = await s.call('POST', '/engines/register', { body: { name: 'twin' } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('ENGINE_EXISTS');
  });
});

describe('audit chain', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
  });
  afterAll(() => s.close());

  it('cannot be updated or deleted through SQL', async () => {
    await s.putPlatform('slack');
    expect(() => s.db.prepare("UPDATE audit_log SET reason = 'x'").run()).toThrow('audit_log is append-only');
    expect(() => s.db.prepare('DELETE FROM audit_log').run()).toThrow('audit_log is append-only');
  });

  it('reports the first altered row when someone edits the file behind the triggers', async () => {
    const engine = await s.registerEngine();
    await s.grant(engine.id, 'slack', 'post_message');
    for (let i = 0; i < 5; i++)
      await s.call('POST', '/actions/check', { engine, body: { engine_id: engine.id, platform: 'slack', action_type: 'post_message' } });
    expect((await s.call('GET', '/audit/verify')).body.ok).toBe(true);
    const victim = s.db.prepare("SELECT seq, id FROM audit_log WHERE kind = 'decision' ORDER BY seq LIMIT 1 OFFSET 2").get() as {
      seq: number;
      id: string;
    };
    s.db.exec('DROP TRIGGER audit_log_no_update');
    s.db.prepare('UPDATE audit_log SET allowed = 0 WHERE seq = ?').run(victim.seq);
    const report = (await s.call('GET', '/audit/verify')).body;
    expect(report).toMatchObject({
      ok: false,
      first_broken: { seq: victim.seq, id: victim.id, problem: 'content does not match its hash (row was altered)' },
    });
    expect(report.checked).toBe(victim.seq - 1);
  });
});
