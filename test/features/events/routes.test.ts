import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EventLog } from '../../../src/core/events/event-log.js';
import { startTestStack } from '../../support/engine-control.js';
import type { TestStack } from '../../support/engine-control.js';
import { eventually } from '../../support/eventually.js';
import { appendFromAnotherProcess, openStream } from './support.js';

describe('GET /events (real server over HTTP, real SQLite file)', () => {
  let stack: TestStack;
  let log: EventLog;
  const append = (type: string, subject: string, data: Record<string, unknown> = {}) => log.append({ type, subject, data });

  beforeAll(async () => {
    stack = await startTestStack(inject('temporalAddress'));
    log = new EventLog(stack.db);
  });
  afterAll(() => stack?.close());

  it('streams events appended in the API process and by another process, each within a second', async () => {
    const stream = await openStream(stack.url, stack.keyFor('reader'));
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers.get('x-request-id')).toBeTruthy();

    let sent = Date.now();
    const id = append('device.online', 'dev_1', { hostname: 'kiosk-1' });
    const [first] = await stream.waitFor(1);
    expect(Date.now() - sent).toBeLessThan(1000);
    expect(first).toEqual({ id, type: 'device.online', subject: 'dev_1', data: { hostname: 'kiosk-1' }, at: expect.any(String) });
    expect(stream.lastEventId()).toBe(String(id));

    const [other] = await appendFromAnotherProcess(stack.config.dbFile, 'run.finished', 1, 'run_9');
    sent = Date.now();
    const events = await stream.waitFor(2);
    expect(Date.now() - sent).toBeLessThan(1500);
    expect(events[1]).toMatchObject({ id: other, type: 'run.finished', subject: 'run_9', data: { n: 0 } });
    stream.close();
  });

  it('starts with new events only, unless told where to resume', async () => {
    const before = append('run.started', 'run_old');
    const live = await openStream(stack.url, stack.adminKey);
    const fromAfter = await openStream(stack.url, stack.adminKey, { query: `?after=${before - 1}` });
    const after = append('run.finished', 'run_new');
    expect((await live.waitFor(1)).map((e) => e.id)).toEqual([after]);
    expect((await fromAfter.waitFor(2)).map((e) => e.id)).toEqual([before, after]);
    // The header wins over the query: it is what an EventSource sends when it reconnects to the same URL.
    const resumed = await openStream(stack.url, stack.adminKey, { query: '?after=0', lastEventId: String(before) });
    expect((await resumed.waitFor(1)).map((e) => e.id)).toEqual([after]);
    // An id from the future (a database restored from a backup) must not skip the events still to come up to it.
    const ahead = await openStream(stack.url, stack.adminKey, { lastEventId: String(after + 1000) });
    const next = append('run.started', 'run_next');
    expect((await ahead.waitFor(1)).map((e) => e.id)).toEqual([next]);
    for (const s of [live, fromAfter, resumed, ahead]) s.close();
  });

  it('resumes after a disconnect with Last-Event-ID: nothing missed, nothing repeated', async () => {
    const stream = await openStream(stack.url, stack.adminKey);
    const early = [append('run.started', 'run_a'), append('run.device_result', 'run_a')];
    await stream.waitFor(2);
    stream.close();
    await eventually(
      () => stack.server.app.events.hub.size,
      (open) => open === 0,
    );
    const missed = [append('run.device_result', 'run_a'), ...(await appendFromAnotherProcess(stack.config.dbFile, 'run.finished', 2))];
    const again = await openStream(stack.url, stack.adminKey, { lastEventId: stream.lastEventId() });
    const later = append('device.offline', 'dev_2');
    const events = await again.waitFor(4);
    expect(stream.events.map((e) => e.id)).toEqual(early);
    expect(events.map((e) => e.id)).toEqual([...missed, later]);
    again.close();
  });

  it('a client that drops before any event resumes from where it started', async () => {
    const stream = await openStream(stack.url, stack.adminKey);
    await eventually(
      () => stream.lastEventId(),
      (id) => id !== '',
    );
    stream.close();
    const missed = append('run.started', 'run_b');
    const again = await openStream(stack.url, stack.adminKey, { lastEventId: stream.lastEventId() });
    expect((await again.waitFor(1)).map((e) => e.id)).toEqual([missed]);
    again.close();
  });

  it('filters by exact type and by prefix', async () => {
    const exact = await openStream(stack.url, stack.adminKey, { query: '?types=device.online,run.finished' });
    const prefix = await openStream(stack.url, stack.adminKey, { query: '?types=run.*' });
    for (const type of ['device.online', 'device.offline', 'run.started', 'run.finished', 'job.schedule_changed']) append(type, 'x');
    expect((await exact.waitFor(2)).map((e) => e.type)).toEqual(['device.online', 'run.finished']);
    expect((await prefix.waitFor(2)).map((e) => e.type)).toEqual(['run.started', 'run.finished']);
    for (const s of [exact, prefix]) s.close();
  });

  it('refuses a filter naming a type that never comes, a bad id, and callers without an operator key', async () => {
    const unknown = await openStream(stack.url, stack.adminKey, { query: '?types=run.finished,run.exploded,jobs.*' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { fields: [{ field: 'querystring.types', message: 'names unknown event types: run.exploded, jobs.*' }] },
    });
    for (const [opts, field] of [
      [{ query: '?types=' }, 'querystring.types'],
      [{ query: '?types=RUN.FINISHED' }, 'querystring.types'],
      [{ query: '?after=-1' }, 'querystring.after'],
      [{ query: '?since=1' }, 'querystring.since'],
      [{ lastEventId: 'abc' }, 'headers.last-event-id'],
    ] as const) {
      const refused = await openStream(stack.url, stack.adminKey, opts);
      expect(refused.status, JSON.stringify(opts)).toBe(400);
      expect(refused.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    const anonymous = await openStream(stack.url, undefined);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('OPERATOR_AUTH_REQUIRED');
    const wrong = await openStream(stack.url, 'brk_not-a-key');
    expect(wrong.status).toBe(401);
    const engine = await stack.registerEngine();
    const res = await fetch(`${stack.url}/events`, { headers: { 'x-engine-id': engine.id, 'x-engine-key': engine.key } });
    expect(res.status).toBe(401);
  });

  it('ends open streams when the server closes, telling them to resume', async () => {
    const own = await startTestStack(inject('temporalAddress'));
    const stream = await openStream(own.url, own.adminKey);
    const started = Date.now();
    await own.close();
    await stream.ended;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(stream.comments.at(-1)).toBe('the server is shutting down; reconnect with Last-Event-ID');
  });
});
