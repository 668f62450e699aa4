import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestStack } from '../../support/engine-control.js';
import type { EngineCreds, TestStack } from '../../support/engine-control.js';

/** Clients generate code from /docs/json, so a status the API answers but the document omits is one they cannot handle. */
describe('OpenAPI lists the error statuses engine routes answer', () => {
  let s: TestStack;
  let engine: EngineCreds;
  let documented: (method: string, path: string) => string[];

  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
    engine = await s.registerEngine('mailer');
    const spec = (await s.call('GET', '/docs/json')).body as { paths: Record<string, Record<string, { responses: Record<string, { content: object }> }>> };
    documented = (method, path) => Object.keys(spec.paths[path]?.[method.toLowerCase()]?.responses ?? {});
  });
  afterAll(() => s.close());

  const send = async (path: string, headers: Record<string, string>, body?: string) => {
    const res = await fetch(`${s.url}${path}`, { method: body === undefined ? 'GET' : 'POST', headers, body });
    return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
  };
  const asEngine = () => ({ 'x-engine-id': engine.id, 'x-engine-key': engine.key });

  it.each([
    ['POST', '/actions/check', 'a body over the 1 MiB limit', 413, 'BODY_TOO_LARGE', () => send('/actions/check', { ...asEngine(), 'content-type': 'application/json' }, `"${'a'.repeat(1024 * 1024)}"`)],
    ['POST', '/actions/check', 'a form body', 415, 'INVALID_MEDIA_TYPE', () => send('/actions/check', { ...asEngine(), 'content-type': 'application/x-www-form-urlencoded' }, 'a=1')],
    ['GET', '/log/engine_events', '?limit=0', 400, 'VALIDATION_FAILED', () => send('/log/engine_events?limit=0', { authorization: `Bearer ${s.adminKey}` })],
  ] as const)('%s %s: %s is %i %s, and documented', async (method, path, _case, status, code, call) => {
    const res = await call();
    expect(res).toEqual({ status, type: 'application/json; charset=utf-8', body: { error: expect.objectContaining({ code, message: expect.any(String) }) } });
    expect(documented(method, path)).toContain(String(status));
  });

  it('documents 503 DECISION_LOG_UNAVAILABLE on POST /actions/check', () => {
    expect(documented('POST', '/actions/check')).toContain('503');
  });
});
