import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiKeys } from '../../src/features/operators/api-keys.js';
import { readMigrations } from '../../src/core/db/migrations.js';
import { startTestApi } from '../support/stack.js';
import type { TestApi } from '../support/stack.js';

describe('API over HTTP', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi(inject('temporalAddress'));
  });
  afterAll(() => api.close());

  it('GET /health is ready when database and Temporal answer', async () => {
    const res = await fetch(`${api.url}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      live: true,
      ready: true,
      version: '0.1.0',
      checks: { database: { ok: true, schema_version: readMigrations().length }, temporal: { ok: true, namespace: 'default' } },
    });
    expect(body.instance_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body).not.toHaveProperty('failing');
  });

  it('keeps the same instance id across calls', async () => {
    const a = (await (await fetch(`${api.url}/health`)).json()) as { instance_id: string };
    const b = (await (await fetch(`${api.url}/health`)).json()) as { instance_id: string };
    expect(a.instance_id).toBe(b.instance_id);
  });

  it('answers an unknown route with 404 in the uniform error shape', async () => {
    const res = await fetch(`${api.url}/no/such/route?x=1`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no route POST /no/such/route' } });
  });

  it('returns a caller X-Request-ID and mints one otherwise', async () => {
    const given = await fetch(`${api.url}/health`, { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-abc.123');
    const minted = await fetch(`${api.url}/health`);
    expect(minted.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const hostile = await fetch(`${api.url}/health`, { headers: { 'x-request-id': 'bad id with spaces <script>' } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves an OpenAPI 3 document generated from the route schemas, and a docs UI, to operators only', async () => {
    const key = new ApiKeys(api.db).create({ actor: 'test', requestId: null }, 'docs reader', 'reader').key;
    const refused = await fetch(`${api.url}/docs`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Basic realm="BorgOS API docs/);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('OPERATOR_AUTH_REQUIRED');
    // What a browser sends after its login prompt: any user name, the key as password.
    const basic = `Basic ${Buffer.from(`ops:${key}`).toString('base64')}`;
    expect(
      (await fetch(`${api.url}/docs`, { headers: { authorization: `Basic ${Buffer.from('ops:bok_wrong.x').toString('base64')}` } })).status,
    ).toBe(401);
    const spec = (await (await fetch(`${api.url}/docs/json`, { headers: { authorization: basic } })).json()) as {
      openapi: string;
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
    };
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths['/health']?.get?.responses ?? {})).toEqual(['200', '503']);
    expect(Object.keys(spec.paths).some((p) => p.startsWith('/docs'))).toBe(false);
    const ui = await fetch(`${api.url}/docs`, { headers: { authorization: basic } });
    expect(ui.status).toBe(200);
    expect(ui.headers.get('www-authenticate')).toBeNull();
    expect(await ui.text()).toContain('<html');
  });
});

describe('API with Temporal down', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi('127.0.0.1:1');
  });
  afterAll(() => api.close());

  it('GET /health is 503 and names Temporal as the failing part', async () => {
    const res = await fetch(`${api.url}/health`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as {
      ready: boolean;
      failing: string[];
      checks: { database: { ok: boolean }; temporal: { ok: boolean; error: string } };
    };
    expect(body.ready).toBe(false);
    expect(body.failing).toEqual(['temporal']);
    expect(body.checks.database.ok).toBe(true);
    expect(body.checks.temporal.ok).toBe(false);
    // Told without the driver's words, which name the address it tried.
    expect(body.checks.temporal.error).toBe('Temporal did not answer; the server log has why');
  });
});

describe('API with the database gone', () => {
  it('GET /health is 503 and names the database', async () => {
    const api = await startTestApi(inject('temporalAddress'));
    try {
      api.db.close();
      const res = await fetch(`${api.url}/health`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { failing: string[]; checks: { database: { error: string } } };
      expect(body.failing).toEqual(['database']);
      expect(body.checks.database.error).toBe('the database did not answer; the server log has why');
    } finally {
      await api.server.close();
    }
  });
});
