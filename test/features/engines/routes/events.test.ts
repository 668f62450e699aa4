import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestStack } from '../../../support/engine-control.js';
import type { EngineCreds, TestStack } from '../../../support/engine-control.js';

describe('engine events: POST /log/engine_event and GET /log/engine_events', () => {
  let s: TestStack;
  let engine: EngineCreds;
  let other: EngineCreds;
  const post = (e: EngineCreds, body: unknown, headers?: Record<string, string>) =>
    s.call('POST', '/log/engine_event', { engine: e, body, headers });
  const list = (query = '', operator?: string) => s.call('GET', `/log/engine_events${query}`, { operator });
  const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
    engine = await s.registerEngine('mailer');
    other = await s.registerEngine('scraper');
  });
  afterAll(() => s.close());

  it('accepts an event from an engine (202 with its id) and an operator reads it back as sent', async () => {
    const res = await post(
      engine,
      { type: 'send_failed', level: 'error', message: 'SMTP 554 from relay', data: { attempt: 3, to: ['a@example.com'] } },
      { 'x-request-id': 'req-evt-1' },
    );
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ event_id: expect.any(String) });

    const events = await list(`?engine_id=${engine.id}`, s.keyFor('reader'));
    expect(events.status).toBe(200);
    expect(events.body.find((e: { id: string }) => e.id === res.body.event_id)).toEqual({
      id: res.body.event_id,
      engine_id: engine.id,
      type: 'send_failed',
      level: 'error',
      message: 'SMTP 554 from relay',
      data: { attempt: 3, to: ['a@example.com'] },
      request_id: 'req-evt-1',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
  });

  it('defaults level to info and data to {}', async () => {
    const res = await post(engine, { type: 'started', message: 'engine up' });
    expect(res.status).toBe(202);
    const events = await list(`?engine_id=${engine.id}`);
    expect(events.body.find((e: { id: string }) => e.id === res.body.event_id)).toMatchObject({ level: 'info', data: {}, type: 'started' });
  });

  it('lists newest first, filters by engine_id and honours limit', async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      ids.push((await post(other, { type: 'tick', message: `tick ${n}` })).body.event_id);
      await pause();
    }
    const mine = await list(`?engine_id=${other.id}`);
    expect(mine.body.map((e: { id: string }) => e.id)).toEqual([...ids].reverse());
    expect(mine.body.every((e: { engine_id: string }) => e.engine_id === other.id)).toBe(true);

    const two = await list(`?engine_id=${other.id}&limit=2`);
    expect(two.body.map((e: { message: string }) => e.message)).toEqual(['tick 3', 'tick 2']);

    const all = await list();
    expect(new Set(all.body.map((e: { engine_id: string }) => e.engine_id))).toEqual(new Set([engine.id, other.id]));
    expect((await list('?limit=1')).body).toHaveLength(1);
  });

  it('rejects an event that names an engine_id: the sender is the authenticated engine', async () => {
    const res = await post(other, { type: 'spoof', message: 'pretending', engine_id: engine.id });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('body.engine_id is not allowed');
  });

  it('rejects a malformed event with 400 naming the field', async () => {
    const missing = await post(engine, { type: 'no_message' });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { fields: [expect.objectContaining({ field: 'body.message' })] },
    });

    const badLevel = await post(engine, { type: 'x', message: 'y', level: 'critical' });
    expect(badLevel.status).toBe(400);
    expect(badLevel.body.error.message).toContain('body.level');

    const emptyType = await post(engine, { type: '', message: 'y' });
    expect(emptyType.status).toBe(400);
    expect(emptyType.body.error.message).toContain('body.type');

    const notJson = await s.call('POST', '/log/engine_event', { engine, raw: '{"type": "x",' });
    expect(notJson.status).toBe(400);

    const listed = await list(`?engine_id=${engine.id}`);
    expect(listed.body.some((e: { type: string }) => e.type === 'no_message' || e.type === 'x')).toBe(false);
  });

  it('takes data nested 100 levels deep and rejects deeper data with 400 naming body.data, storing nothing', async () => {
    // Written by hand: JSON.stringify itself overflows the stack on the deepest of these.
    const nested = (type: string, arrays: number) =>
      `{"type":"${type}","message":"m","data":{"x":${'['.repeat(arrays)}${']'.repeat(arrays)}}}`;
    const atLimit = await s.call('POST', '/log/engine_event', { engine, raw: nested('deep_ok', 99) });
    expect(atLimit.status).toBe(202);

    for (const arrays of [100, 5000]) {
      const res = await s.call('POST', '/log/engine_event', { engine, raw: nested('too_deep', arrays) });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { fields: [{ field: 'body.data', message: expect.stringContaining('100 levels') }] },
      });
    }

    const listed = await list(`?engine_id=${engine.id}`);
    expect(listed.status).toBe(200);
    expect(listed.body.some((e: { type: string }) => e.type === 'too_deep')).toBe(false);
    let depth = 0;
    for (
      let v: unknown = listed.body.find((e: { id: string }) => e.id === atLimit.body.event_id).data;
      typeof v === 'object' && v !== null;
      v = Object.values(v)[0]
    )
      depth++;
    expect(depth).toBe(100);
  });

  it.each([
    ['at the top of data', '{"x":1e400}', 'body.data.x'],
    ['negative, in an array inside an object', '{"ok":1.5e308,"runs":[{"ms":1},{"ms":-1e400}]}', 'body.data.runs.1.ms'],
  ])('rejects a number too large to store, %s, with 400 naming its field, storing nothing', async (_case, data, field) => {
    // Written by hand: JSON.parse reads these as Infinity, and JSON.stringify would have stored null.
    const res = await s.call('POST', '/log/engine_event', { engine, raw: `{"type":"infinite","message":"m","data":${data}}` });
    expect(res.status).toBe(400);
    const message = 'must be a finite number: beyond ±1.7976931348623157e+308 a JSON number reads as infinite, which cannot be stored';
    expect(res.body).toEqual({
      error: { code: 'VALIDATION_FAILED', message: `${field} ${message}`, details: { fields: [{ field, message }] } },
    });
    const listed = await list(`?engine_id=${engine.id}`);
    expect(listed.body.some((e: { type: string }) => e.type === 'infinite')).toBe(false);
  });

  it('rejects a body over 64 KiB with 413 and stores nothing', async () => {
    const res = await post(engine, { type: 'dump', message: 'big', data: { blob: 'x'.repeat(70 * 1024) } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('BODY_TOO_LARGE');
    const listed = await list(`?engine_id=${engine.id}`);
    expect(listed.body.some((e: { type: string }) => e.type === 'dump')).toBe(false);
  });

  it('needs engine credentials to post and an operator key to read', async () => {
    const anonymous = await fetch(`${s.url}/log/engine_event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'x', message: 'y' }),
    });
    expect(anonymous.status).toBe(401);
    expect((await post({ id: engine.id, key: 'wrong' }, { type: 'x', message: 'y' })).status).toBe(401);

    const asEngine = await s.call('GET', '/log/engine_events', { engine });
    expect(asEngine.status).toBe(401);
    expect((await list('?limit=0')).status).toBe(400);
  });

  it('pages back through every event with before, including events logged in the same millisecond', async () => {
    const pager = await s.registerEngine('pager');
    const sent: string[] = [];
    for (let i = 0; i < 7; i++) sent.push((await post(pager, { type: 'tick', message: `tick ${i}` })).body.event_id);
    const seen: string[] = [];
    let before = '';
    for (let page = 0; page < 10; page++) {
      const res = await list(`?engine_id=${pager.id}&limit=3${before ? `&before=${before}` : ''}`);
      const ids = (res.body as { id: string }[]).map((e) => e.id);
      if (ids.length === 0) break;
      seen.push(...ids);
      before = ids.at(-1)!;
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen)).toEqual(new Set(sent));
    const firstPage = await list(`?engine_id=${pager.id}&limit=3`);
    expect((await list(`?engine_id=${pager.id}&limit=3&before=`)).body).toEqual(firstPage.body);
    expect((await list('?before=evt_nope')).body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { fields: [{ field: 'querystring.before', message: 'names no event' }] },
    });
  });
});
