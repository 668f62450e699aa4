import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestStack } from '../../../support/engine-control.js';
import { eventually } from '../../../support/eventually.js';
import type { TestStack } from '../../../support/engine-control.js';

interface Line {
  level: number;
  msg: string;
  [field: string]: unknown;
}

describe('BORG_LOG_LEVEL=debug', () => {
  let s: TestStack;
  const lines: Line[] = [];
  const debugLines = (msg: string) => lines.filter((l) => l.level === 20 && l.msg === msg);

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line);
        done();
      },
    });
    s = await startTestStack(inject('temporalAddress'), pino({ level: 'debug' }, sink));
    await s.startWorker();
  });
  afterAll(() => s.close());

  it('says when the policy is reloaded, which workflows start and are decided, and when decisions reach the audit log', async () => {
    await s.putPlatform('gmail');
    const engine = await s.registerEngine('mailer');
    const check = () =>
      s.call('POST', '/actions/check', { engine, body: { engine_id: engine.id, platform: 'gmail', action_type: 'send_email' } });
    expect((await check()).body.reason).toBe('no_grant');
    const loaded = debugLines('policy loaded into memory').at(-1);
    expect(loaded).toMatchObject({ engines: 1, platforms: 1 });

    const asked = await s.call('POST', '/grants/request', {
      engine,
      body: { platform: 'gmail', action_type: 'send_email', scopes: ['gmail.send'], reason: 'mail' },
    });
    expect(asked.status).toBe(202);
    expect(debugLines('workflow started')).toContainEqual(
      expect.objectContaining({ workflow_id: asked.body.workflow_id, flow: 'grant-request' }),
    );
    expect((await s.call('POST', `/grant-requests/${asked.body.id}/approve`)).status).toBe(200);
    expect(debugLines('the workflow applied the decision')).toContainEqual(
      expect.objectContaining({ workflow_id: asked.body.workflow_id, status: 'approved' }),
    );

    expect((await check()).body.reason).toBe('granted');
    expect(debugLines('policy loaded into memory').at(-1)!.version).toBeGreaterThan(loaded!.version as number);
    await eventually(
      () => debugLines('decisions moved from the journal into the audit log'),
      (moved) => moved.length > 0,
    );
  });
});
