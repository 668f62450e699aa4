import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../../api/app.js';
import { errorRef } from '../../../api/schemas/error.js';
import { openMigratedDatabase } from '../../../lib/db/open.js';
import { AppError } from '../../../lib/errors.js';
import { tempDir } from '../../support/stack.js';

describe('uniform error shape', () => {
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    const connection = Connection.lazy({ address: inject('temporalAddress') });
    const log = pino({ level: 'silent' });
    app = await buildApp({
      db: openMigratedDatabase({ file: `${tempDir()}/borg.db`, autoMigrate: true, log }),
      log,
      temporal: { client: new Client({ connection }), namespace: 'default', taskQueue: 'borg' },
    });
    // Routes that exist only in this test, to drive each kind of failure through the real plugin.
    app.post(
      '/things',
      {
        schema: {
          body: {
            type: 'object',
            required: ['name', 'size'],
            additionalProperties: false,
            properties: { name: { type: 'string', minLength: 1 }, size: { type: 'integer', minimum: 1 }, tags: { type: 'array', items: { type: 'string' } } },
          },
          response: { 400: errorRef },
        },
      },
      () => ({ ok: true }),
    );
    app.get('/conflict', () => {
      throw new AppError(409, 'ALREADY_EXISTS', 'thing already exists', { name: 'x' });
    });
    app.get('/boom', () => {
      throw new Error('secret internals: password=hunter2');
    });
    app.addHook('onClose', () => connection.close());
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
        message: "body.size must have required property 'size'",
        details: { fields: [{ field: 'body.size', message: "must have required property 'size'" }] },
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
    expect(body.error.code).toBe('INVALID_JSON_BODY');
  });

  it('rejects an unsupported content type with 415', async () => {
    const res = await post('name=a', 'application/x-www-form-urlencoded');
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('INVALID_MEDIA_TYPE');
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
});
