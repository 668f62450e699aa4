import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startTestApi } from '../support/stack.js';
import type { TestApi } from '../support/stack.js';

interface Health {
  ready: boolean;
  failing?: string[];
  checks: { temporal: { ok: boolean; error?: string; age_ms?: number } };
}

async function timedGet(url: string): Promise<{ status: number; body: Health; ms: number }> {
  const started = performance.now();
  const res = await fetch(url);
  const body = (await res.json()) as Health;
  return { status: res.status, body, ms: performance.now() - started };
}

/** A TCP relay to Temporal that can stop relaying: Temporal then looks hung, its connections open and silent. */
class Relay {
  private readonly pairs: [Socket, Socket][] = [];
  private readonly server: Server;
  held = false;

  constructor(target: string) {
    const [host, port] = target.split(':') as [string, string];
    this.server = createServer((client) => {
      const upstream = connect(Number(port), host);
      this.pairs.push([client, upstream]);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      if (!this.held) this.pipe(client, upstream);
    });
  }

  private pipe(client: Socket, upstream: Socket): void {
    client.pipe(upstream);
    upstream.pipe(client);
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  hold(): void {
    this.held = true;
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  close(): void {
    for (const pair of this.pairs) pair.forEach((s) => s.destroy());
    this.server.close();
  }
}

describe('health with Temporal down', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi('127.0.0.1:1');
  });
  afterAll(() => api.close());

  it('answers /health within a probe timeout of 1 s, and so does every call while Temporal stays down', async () => {
    for (let i = 0; i < 4; i++) {
      const { status, body, ms } = await timedGet(`${api.url}/health`);
      expect(status).toBe(503);
      expect(body.failing).toEqual(['temporal']);
      expect(body.checks.temporal.error).toBe('Temporal did not answer; the server log has why');
      expect(ms).toBeLessThan(1000);
    }
  });

  it('is live on /health/live and not ready on /health/ready', async () => {
    const live = await timedGet(`${api.url}/health/live`);
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ live: true, version: '0.1.0' });
    expect(live.ms).toBeLessThan(1000);
    const ready = await timedGet(`${api.url}/health/ready`);
    expect([ready.status, ready.body.ready, ready.body.failing, ready.ms < 1000]).toEqual([503, false, ['temporal'], true]);
  });
});

describe('health with Temporal hung', () => {
  let api: TestApi;
  let relay: Relay;
  beforeAll(async () => {
    relay = new Relay(inject('temporalAddress'));
    api = await startTestApi(await relay.listen());
  });
  afterAll(async () => {
    relay.close();
    await api.close();
  });

  it('answers from the last known state, with its age, when a live check takes longer than the reply time', async () => {
    // The first call also connects, which a busy machine may not do within the reply time.
    await eventually(
      () => timedGet(`${api.url}/health/ready`),
      (fresh) => fresh.status === 200 && fresh.body.checks.temporal.age_ms === undefined,
    );
    relay.hold();
    const remembered = await timedGet(`${api.url}/health`);
    expect(remembered.ms).toBeLessThan(1000);
    expect(remembered.status).toBe(200);
    expect(remembered.body.checks.temporal).toMatchObject({ ok: true });
    expect(remembered.body.checks.temporal.age_ms).toBeGreaterThanOrEqual(700);
    // The live check gives up at its 2 s deadline: from then on the last known state is that Temporal did not answer.
    const later = await eventually(
      () => timedGet(`${api.url}/health`),
      (reply) => reply.status === 503,
    );
    expect([later.body.failing, later.ms < 1000]).toEqual([['temporal'], true]);
  });
});
