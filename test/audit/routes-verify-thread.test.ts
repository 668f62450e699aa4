import dc from 'node:diagnostics_channel';
import { renameSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { verifyChain } from '../../src/audit/chain.js';
import { AuditLogRepository } from '../../src/audit/audit-log.js';
import { decisionRow } from '../support/audit.js';
import { startTestStack } from '../support/engine-control.js';
import { eventually } from '../support/eventually.js';
import type { EngineCreds, TestStack } from '../support/engine-control.js';

/** Enough rows that a walk over them takes about a second, far longer than any request should wait. */
const ROWS = 100_000;

function fillAuditLog(s: TestStack, rows: number): void {
  const audit = new AuditLogRepository(s.db);
  for (let done = 0; done < rows; done += 10_000) audit.appendMany(Array.from({ length: Math.min(10_000, rows - done) }, decisionRow));
}

/** Every worker thread the process starts from now on: here, only verify walks start any. */
function watchThreads(): { started: Worker[]; mostAtOnce: () => number; stop: () => void } {
  const started: Worker[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const listener = (message: unknown): void => {
    const { worker } = message as { worker: Worker };
    started.push(worker);
    mostAtOnce = Math.max(mostAtOnce, ++running);
    worker.once('exit', () => running--);
  };
  dc.subscribe('worker_threads', listener);
  return { started, mostAtOnce: () => mostAtOnce, stop: () => dc.unsubscribe('worker_threads', listener) };
}

describe('GET /audit/verify walks the chain off the API thread', () => {
  let s: TestStack;
  let reader: string;
  let engine: EngineCreds;
  let threads: ReturnType<typeof watchThreads>;
  const verify = (query = '') => s.call('GET', `/audit/verify${query}`, { operator: reader });

  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
    reader = s.keyFor('reader');
    engine = await s.registerEngine('mailer');
    await s.putPlatform('gmail');
    await s.grant(engine.id, 'gmail', 'send_email');
    fillAuditLog(s, ROWS);
  });
  afterAll(() => s.close());
  beforeEach(() => {
    threads = watchThreads();
  });
  afterEach(() => threads.stop());

  it(`answers /health and checks while it verifies ${ROWS} rows`, async () => {
    let verified = false;
    const pending = verify().then((res) => {
      verified = true;
      return res;
    });
    // One after another, all sent after the verify, until it is answered: on the API's thread, the walk would hold
    // back every one sent once it began, and the verify would be answered first.
    let answered = 0;
    while (!verified) {
      expect((await s.call('GET', '/health')).status).toBe(200);
      expect(
        (await s.call('POST', '/actions/check', { engine, body: { engine_id: engine.id, platform: 'gmail', action_type: 'send_email' } }))
          .body,
      ).toMatchObject({ allowed: true });
      if (!verified) answered++;
    }
    expect(answered).toBeGreaterThanOrEqual(10);
    const { body } = await pending;
    expect(body.ok).toBe(true);
    expect(body.checked).toBeGreaterThan(ROWS);
  });

  it('runs one walk at a time, and the calls made during it share the next walk, each answered for its own head', async () => {
    const kept = (await verify()).body.head as string;
    const unknown = 'f'.repeat(64);
    threads.started.length = 0;
    const queries = [...Array<string>(8).fill(''), ...Array<string>(8).fill(`?head=${kept}`), ...Array<string>(8).fill(`?head=${unknown}`)];
    const answers = await Promise.all(queries.map((q) => verify(q)));

    // The first call starts a walk; the rest arrive while it runs and wait for the second.
    expect(threads.started.length).toBeLessThanOrEqual(2);
    expect(threads.mostAtOnce()).toBe(1);
    const whole = verifyChain(new AuditLogRepository(s.db).rows());
    const missing = verifyChain(new AuditLogRepository(s.db).rows(), unknown);
    expect(answers.map((a) => a.status)).toEqual(queries.map(() => 200));
    expect(answers.map((a) => a.body)).toEqual(
      queries.map((q) => (q.endsWith(unknown) ? missing : q ? { ...whole, holds_kept_head: true } : whole)),
    );
  });

  it('answers a walk that fails in its thread with the uniform 500, and walks again once the cause is gone', async () => {
    const file = s.db.name;
    // The API's connections keep the file open; only a new one, as each walk opens, finds it gone.
    renameSync(file, `${file}.aside`);
    let failed;
    try {
      failed = await verify();
    } finally {
      renameSync(`${file}.aside`, file);
    }
    expect(failed).toEqual({
      status: 500,
      body: { error: { code: 'INTERNAL', message: 'internal error; see the server log for this request_id' } },
    });
    expect((await verify()).body).toMatchObject({ ok: true });
  });
});

describe('closing the app', () => {
  it('ends a walk in flight instead of waiting for it, and leaves no thread behind', async () => {
    const s = await startTestStack(inject('temporalAddress'));
    fillAuditLog(s, ROWS);
    const threads = watchThreads();
    try {
      const pending = s.call('GET', '/audit/verify', { operator: s.keyFor('reader') });
      await eventually(
        () => threads.started.length,
        (n) => n > 0,
      );
      await s.close();
      // A 200 here would mean close waited for the whole walk.
      expect(await pending).toEqual({
        status: 500,
        body: { error: { code: 'INTERNAL', message: 'internal error; see the server log for this request_id' } },
      });
      // -1: the thread has exited.
      expect(threads.started.map((w) => w.threadId)).toEqual([-1]);
    } finally {
      threads.stop();
    }
  });
});
