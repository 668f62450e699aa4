import { maxHeaderSize, request } from 'node:http';
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { errorRef } from '../../../src/http/schemas/error.js';
import { DomainError } from '../../../src/core/errors.js';
import { buildTestApp } from '../../support/stack.js';

describe('uniform error shape', () => {
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    app = await buildTestApp(inject('temporalAddress'));
    // Routes that exist only in this test, to drive each kind of failure through the real plugin.
    app.post(
      '/things',
      {
        schema: {
          body: {
            type: 'object',
            required: ['name', 'size'],
            additionalProperties: false,
            properties: {
              name: { type: 'string', minLength: 1 },
              size: { type: 'integer', minimum: 1 },
              tags: { type: 'array', items: { type: 'string' } },
            },
          },
          response: { 400: errorRef },
        },
      },
      () => ({ ok: true }),
    );
    app.get('/conflict', () => {
      throw new DomainError('conflict', 'ALREADY_EXISTS', 'thing already exists', { name: 'x' });
    });
    app.get('/boom', () => {
      throw new Error('secret internals: password=hunter2');
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app.close());

  const post = (body: string, type = 'application/json') =>
    fetch(`${url}/things`, { method: 'POST', headers: { 'content-type': type }, body });

  it('names the missing field', async () => {
    const res = await post(JSON.stringify({ name: 'a' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'body.size is required',
        details: { fields: [{ field: 'body.size', message: 'is required' }] },
      },
    });
  });

  it('names a field of the wrong type and an unknown field, all at once', async () => {
    const res = await post(JSON.stringify({ name: '', size: 'big', tags: ['ok', { nested: true }], extra: 1 }));
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; details: { fields: { field: string }[] } } };
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details.fields.map((f) => f.field).sort()).toEqual(['body.extra', 'body.name', 'body.size', 'body.tags.1']);
  });

  it('rejects malformed JSON with 400', async () => {
    const res = await post('{"name": ');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toEqual({
      code: 'INVALID_JSON_BODY',
      message: "Body is not valid JSON but content-type is set to 'application/json'",
    });
  });

  it.each([
    ['__proto__ at the top', '{"name":"a","size":1,"__proto__":{"admin":true}}'],
    ['constructor.prototype nested', '{"name":"a","size":1,"tags":[{"constructor":{"prototype":{"admin":true}}}]}'],
  ])('refuses valid JSON carrying %s, saying why rather than calling it invalid', async (_case, text) => {
    const res = await post(text);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({
      error: {
        code: 'INVALID_JSON_BODY',
        message: 'Body must not contain a "__proto__" key, or a "constructor" key holding "prototype", at any depth',
      },
    });
  });

  it('answers a path parameter over 100 characters with 400 VALIDATION_FAILED, as the id schemas would', async () => {
    const res = await fetch(`${url}/engines/${'a'.repeat(101)}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(await res.json()).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'params must NOT have more than 100 characters each',
        details: { fields: [{ field: 'params', message: 'must NOT have more than 100 characters each' }] },
      },
    });
  });

  it('answers a malformed percent-encoding in the path with 400 in the uniform shape', async () => {
    const res = await fetch(`${url}/engines/%ZZ`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({ error: { code: 'BAD_URL', message: "'/engines/%ZZ' is not a valid url component" } });
  });

  /** Sends `text` as is and reads until the server closes: what Node's HTTP parser refuses never reaches a route. */
  const raw = (text: string) =>
    new Promise<{ head: string; body: string }>((resolve, reject) => {
      const socket = connect(Number(new URL(url).port), '127.0.0.1', () => socket.end(text));
      let got = '';
      socket.on('data', (chunk: Buffer) => (got += chunk.toString()));
      socket.on('error', reject);
      socket.on('close', () => {
        const [head = '', body = ''] = got.split('\r\n\r\n');
        resolve({ head, body });
      });
    });

  it.each([
    [
      'an oversized header',
      `GET /engines HTTP/1.1\r\nHost: x\r\nX-Engine-ID: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'HEADERS_TOO_LARGE',
      `request headers exceed ${maxHeaderSize} bytes`,
    ],
    ['a malformed request line', 'NOT HTTP AT ALL\r\n\r\n', 400, 'BAD_REQUEST', 'the request is not valid HTTP/1.1'],
  ])('answers %s in the uniform shape and closes the connection', async (_case, text, status, code, message) => {
    const { head, body } = await raw(text);
    const lines = head.toLowerCase().split('\r\n');
    expect(lines[0]).toMatch(new RegExp(`^http/1.1 ${status} `));
    expect(lines).toContain('content-type: application/json; charset=utf-8');
    expect(lines).toContain(`content-length: ${Buffer.byteLength(body)}`);
    expect(lines).toContain('connection: close');
    expect(JSON.parse(body)).toEqual({ error: { code, message } });
  });

  it.each(['application/x-www-form-urlencoded', 'text/plain'])('rejects a %s body with 415, saying what it must be', async (type) => {
    const res = await post(JSON.stringify({ name: 'a', size: 1 }), type);
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({
      error: {
        code: 'INVALID_MEDIA_TYPE',
        message: `the body must be JSON, sent as content-type: application/json; this one came as ${type}`,
      },
    });
  });

  it('passes an application error through with its code and details', async () => {
    const res = await fetch(`${url}/conflict`);
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ error: { code: 'ALREADY_EXISTS', message: 'thing already exists', details: { name: 'x' } } });
  });

  it('hides internals of an unexpected failure behind INTERNAL', async () => {
    const res = await fetch(`${url}/boom`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text)).toEqual({ error: { code: 'INTERNAL', message: 'internal error; see the server log for this request_id' } });
  });
  const bytes = (...parts: (string | number[])[]) =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

  it.each([
    ['bytes that begin no character', bytes('{"name":"bad-', [0xff, 0xfe], '","size":1}'), 13, 'ff'],
    ['a UTF-16 surrogate written as UTF-8', bytes('{"name":"', [0xed, 0xa0, 0x80], '","size":1}'), 9, 'ed'],
    ['an overlong form of "/"', bytes('{"name":"a', [0xc0, 0xaf], '","size":1}'), 10, 'c0'],
    ['a sequence cut off at the end', bytes('{"name":"a","size":1}', [0xe2, 0x82]), 21, 'e2'],
  ])('refuses a JSON body that is not UTF-8 (%s) with 400 naming where, instead of storing U+FFFD', async (_case, body, at, byte) => {
    const res = await fetch(`${url}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        code: 'INVALID_JSON_BODY',
        message: `Body is not UTF-8, which JSON must be (RFC 8259): the bytes at offset ${at} (0x${byte}) are no character`,
      },
    });
  });

  it('takes UTF-8 of every length, U+FFFD itself included', async () => {
    const res = await post(JSON.stringify({ name: 'caf\u00e9 \u20ac \u{1f680} \ufffd', size: 1 }));
    expect(res.status).toBe(200);
  });

  /** A request with any method (fetch refuses TRACE), and what came back. */
  const send = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: unknown }>((resolve, reject) => {
      const req = request(`${url}${path}`, { method, headers }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
      });
      req.on('error', reject);
      req.end(body);
    });

  it.each([
    ['TRACE', '/actions/check', 'POST'],
    ['GET', '/things', 'POST'],
    ['PATCH', '/engines/eng_1/suspend', 'POST'],
    ['POST', '/platforms/gmail', 'PUT'],
    ['DELETE', '/engines', 'GET, HEAD'],
  ])(
    'answers %s %s, a method the path lacks, with 405 naming the ones it has in Allow and in the uniform shape',
    async (method, path, allow) => {
      const res = await send(method, path, { 'x-request-id': 'req-405' });
      expect([res.status, res.headers.allow, res.headers['x-request-id']]).toEqual([405, allow, 'req-405']);
      expect(res.body).toEqual({ error: { code: 'METHOD_NOT_ALLOWED', message: `${path} takes ${allow}, not ${method}` } });
    },
  );

  it('answers 405 before it looks at the body, and a route refuses a stranger before it does', async () => {
    const query = await send('QUERY', '/actions/check', {}, '{"x":1}');
    expect([query.status, query.headers.allow]).toEqual([405, 'POST']);
    const stranger = await send('POST', '/actions/check', { 'content-type': 'text/plain' }, 'hello');
    expect(stranger.status).toBe(401);
    expect(stranger.body).toMatchObject({ error: { code: 'ENGINE_AUTH_REQUIRED' } });
    expect((await send('TRACE', '/no/such/route')).status).toBe(404);
  });
});
