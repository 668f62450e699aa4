import { Agent, request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually } from '../../support/eventually.js';
import { buildTestApp } from '../../support/stack.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  reusedSocket: boolean;
}

/** A GET through `agent`, so a second one goes out on the connection the first one kept alive. */
function get(agent: Agent, url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, reusedSocket: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('request ids', () => {
  let app: FastifyInstance;
  let url: string;
  let entered: Promise<void>;
  let release: () => void;

  beforeAll(async () => {
    app = await buildTestApp(inject('temporalAddress'));
    // A route that exists only in this test: it holds its connection busy until the test lets it answer.
    let enter!: () => void;
    entered = new Promise((resolve) => (enter = resolve));
    const held = new Promise<void>((resolve) => (release = resolve));
    app.get('/held', async () => {
      enter();
      await held;
      return { ok: true };
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  // A test that failed half-way still lets the route answer, so the close can finish.
  afterAll(async () => {
    release();
    await app.close();
  });

  it('answers a request that arrives on a kept-alive connection while the server closes with 503 SHUTTING_DOWN, its id and connection: close', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = get(agent, `${url}/held`);
    await entered;
    const closed = app.close();
    // Not listening any more: the server has closed the connections idle then, and this one was busy.
    await eventually(
      () => app.server.listening,
      (listening) => !listening,
    );
    release();
    expect(await first).toMatchObject({ status: 200, headers: { connection: 'keep-alive' } });

    const late = await get(agent, `${url}/health`, { 'x-request-id': 'late-1' });
    expect(late.reusedSocket).toBe(true);
    expect(late.status).toBe(503);
    expect(late.headers).toMatchObject({
      'x-request-id': 'late-1',
      connection: 'close',
      'content-type': 'application/json; charset=utf-8',
    });
    expect(JSON.parse(late.body)).toEqual({
      error: {
        code: 'SHUTTING_DOWN',
        message: 'the server is shutting down and takes no new requests; send it again once it is back, or to another replica',
      },
    });
    // The connection closes with that answer, so the close does not wait for the keep-alive timeout.
    await closed;
    agent.destroy();
  });
});
