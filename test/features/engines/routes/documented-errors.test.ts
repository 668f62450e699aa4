import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestStack } from '../../../support/engine-control.js';
import type { EngineCreds, TestStack } from '../../../support/engine-control.js';

/** Clients generate code from /docs/json, so a status the API answers but the document omits is one they cannot handle. */
describe('OpenAPI lists the error statuses engine routes answer', () => {
  let s: TestStack;
  let engine: EngineCreds;
  let documented: (method: string, path: string) => string[];
  let spec: { paths: Record<string, Record<string, { requestBody?: object; responses: Record<string, object> }>> };

  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
    engine = await s.registerEngine('mailer');
    spec = (await s.call('GET', '/docs/json')).body as typeof spec;
    documented = (method, path) => Object.keys(spec.paths[path]?.[method.toLowerCase()]?.responses ?? {});
  });
  afterAll(() => s.close());

  const send = async (path: string, headers: Record<string, string>, body?: string, method = body === undefined ? 'GET' : 'POST') => {
    const res = await fetch(`${s.url}${path}`, { method, headers, body });
    return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
  };
  const asEngine = () => ({ 'x-engine-id': engine.id, 'x-engine-key': engine.key });

  it.each([
    [
      'POST',
      '/actions/check',
      'a body over the 1 MiB limit',
      413,
      'BODY_TOO_LARGE',
      () => send('/actions/check', { ...asEngine(), 'content-type': 'application/json' }, `"${'a'.repeat(1024 * 1024)}"`),
    ],
    [
      'POST',
      '/actions/check',
      'a form body',
      415,
      'INVALID_MEDIA_TYPE',
      () => send('/actions/check', { ...asEngine(), 'content-type': 'application/x-www-form-urlencoded' }, 'a=1'),
    ],
    [
      'PUT',
      '/platforms/{id}',
      'a form body from an operator',
      415,
      'INVALID_MEDIA_TYPE',
      () =>
        send(
          '/platforms/slack',
          { authorization: `Bearer ${s.adminKey}`, 'content-type': 'application/x-www-form-urlencoded' },
          'name=slack',
          'PUT',
        ),
    ],
    [
      'POST',
      '/engines/{id}/suspend',
      'a form body on a route that reads none',
      415,
      'INVALID_MEDIA_TYPE',
      () =>
        send(
          `/engines/${engine.id}/suspend`,
          { authorization: `Bearer ${s.adminKey}`, 'content-type': 'application/x-www-form-urlencoded' },
          'why=1',
        ),
    ],
    [
      'DELETE',
      '/grants/{id}',
      'a body over the 1 MiB limit',
      413,
      'BODY_TOO_LARGE',
      () =>
        send(
          '/grants/grt_none',
          { authorization: `Bearer ${s.adminKey}`, 'content-type': 'application/json' },
          `"${'a'.repeat(1024 * 1024)}"`,
          'DELETE',
        ),
    ],
    [
      'GET',
      '/log/engine_events',
      '?limit=0',
      400,
      'VALIDATION_FAILED',
      () => send('/log/engine_events?limit=0', { authorization: `Bearer ${s.adminKey}` }),
    ],
    [
      'GET',
      '/engines',
      '?name=mailer, a filter it does not have',
      400,
      'VALIDATION_FAILED',
      () => send('/engines?name=mailer', { authorization: `Bearer ${s.adminKey}` }),
    ],
  ] as const)('%s %s: %s is %i %s, and documented', async (method, path, _case, status, code, call) => {
    const res = await call();
    expect(res).toEqual({
      status,
      type: 'application/json; charset=utf-8',
      body: { error: expect.objectContaining({ code, message: expect.any(String) }) },
    });
    expect(documented(method, path)).toContain(String(status));
  });

  it('answers 503 DATABASE_BUSY with Retry-After, documented, while another process holds the write lock too long', async () => {
    const other = new Database(s.db.name);
    other.exec('BEGIN IMMEDIATE');
    try {
      const res = await fetch(`${s.url}/platforms/slack`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${s.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Slack', version: '2' }),
      });
      expect([res.status, res.headers.get('retry-after'), ((await res.json()) as { error: { code: string } }).error.code]).toEqual([
        503,
        '1',
        'DATABASE_BUSY',
      ]);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(documented('PUT', '/platforms/{id}')).toContain('503');
    expect((await s.call('PUT', '/platforms/slack', { body: { name: 'Slack', version: '2' } })).status).toBe(200);
  });

  it('says which limit a body broke and which field a query string must not have', async () => {
    const big = await send('/actions/check', { ...asEngine(), 'content-type': 'application/json' }, `"${'a'.repeat(1024 * 1024)}"`);
    expect(big.body).toMatchObject({ error: { message: "the body is over this route's limit of 1048576 bytes" } });
    const filtered = await send('/engines?name=mailer', { authorization: `Bearer ${s.adminKey}` });
    expect(filtered.body).toMatchObject({
      error: {
        message: 'querystring.name is not allowed',
        details: { fields: [{ field: 'querystring.name', message: 'is not allowed' }] },
      },
    });
  });

  it('documents 413 and 415 on every route a request with a body can reach, whether or not it reads one', () => {
    const withBody = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ['post', 'put', 'patch', 'delete'].includes(m))
        .map((method) => [method, path] as const),
    );
    expect(withBody.length).toBeGreaterThanOrEqual(20);
    for (const [method, path] of withBody)
      expect({ method, path, documented: documented(method, path) }).toEqual({
        method,
        path,
        documented: expect.arrayContaining(['413', '415']),
      });
  });

  it('documents 504 DECISION_NOT_CONFIRMED on approve and deny', () => {
    expect(documented('POST', '/grant-requests/{id}/approve')).toContain('504');
    expect(documented('POST', '/grant-requests/{id}/deny')).toContain('504');
  });

  it('documents 503 DECISION_LOG_UNAVAILABLE on POST /actions/check', () => {
    expect(documented('POST', '/actions/check')).toContain('503');
  });
});
