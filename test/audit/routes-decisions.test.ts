import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestStack } from '../support/engine-control.js';
import type { EngineCreds, TestStack } from '../support/engine-control.js';

/** The wall-clock time at `offsetMin` from UTC, written with that offset (`+02:00`), whole seconds. */
function withOffset(ms: number, offsetMin: number): string {
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${new Date(ms + offsetMin * 60_000).toISOString().slice(0, 19)}${sign}${hhmm}`;
}

describe('GET /decisions?since=&until=: times compared as instants, whatever RFC 3339 form the caller wrote', () => {
  let s: TestStack;
  let engine: EngineCreds;
  let decisionId: string;
  /** When the decision was logged, as stored: UTC with milliseconds, e.g. 2026-11-21T18:38:05.886Z. */
  let at: string;
  let second: string;

  const found = async (query: string): Promise<boolean> => {
    const res = await s.call('GET', `/decisions?engine_id=${engine.id}&${query}`);
    expect(res.status).toBe(200);
    return res.body.some((d: { decision_id: string }) => d.decision_id === decisionId);
  };
  const q = (name: string, value: string): string => `${name}=${encodeURIComponent(value)}`;

  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
    engine = await s.registerEngine('timekeeper');
    await s.putPlatform('gmail');
    await s.grant(engine.id, 'gmail', 'send_email');
    decisionId = (
      await s.call('POST', '/actions/check', { engine, body: { engine_id: engine.id, platform: 'gmail', action_type: 'send_email' } })
    ).body.decision_id;
    [{ created_at: at }] = (await s.call('GET', `/decisions?engine_id=${engine.id}`)).body;
    second = at.slice(0, 19);
  });
  afterAll(() => s.close());

  it('includes a decision in since= its own second and excludes it from until= that second', async () => {
    expect(await found(q('since', `${second}Z`))).toBe(true);
    expect(await found(q('until', `${second}Z`))).toBe(false);
    expect(await found(`${q('since', `${second}Z`)}&${q('until', new Date(Date.parse(at) + 1).toISOString())}`)).toBe(true);
  });

  it('treats since as inclusive and until as exclusive at the exact millisecond', async () => {
    expect(await found(q('since', at))).toBe(true);
    expect(await found(q('until', at))).toBe(false);
    expect(await found(q('since', new Date(Date.parse(at) + 1).toISOString()))).toBe(false);
  });

  const utcSecond = (ms: number): string => new Date(ms).toISOString().slice(0, 19);
  it.each([
    ['an offset', (ms: number) => withOffset(ms, 120)],
    ['a negative offset', (ms: number) => withOffset(ms, -330)],
    ['an offset without a colon', (ms: number) => withOffset(ms, 120).replace(/:(\d\d)$/, '$1')],
    ['an offset of whole hours only', (ms: number) => withOffset(ms, 120).slice(0, -3)],
    ['-00:00', (ms: number) => `${utcSecond(ms)}-00:00`],
    ['lowercase t and z', (ms: number) => `${utcSecond(ms).replace('T', 't')}z`],
    ['a space for T', (ms: number) => `${utcSecond(ms).replace('T', ' ')}Z`],
  ])('reads a time with %s as the same instant', async (_form, write) => {
    const start = Date.parse(`${second}Z`);
    expect(await found(q('since', write(start)))).toBe(true);
    expect(await found(q('until', write(start)))).toBe(false);
    expect(await found(q('since', write(start + 1000)))).toBe(false);
    expect(await found(q('until', write(start + 1000)))).toBe(true);
  });

  it('compares a fraction finer than a millisecond exactly', async () => {
    const frac = at.slice(19, 23);
    expect(await found(q('since', `${second}${frac}0000Z`))).toBe(true);
    expect(await found(q('since', `${second}${frac}0001Z`))).toBe(false);
    expect(await found(q('until', `${second}${frac}0001Z`))).toBe(true);
  });

  it('reads a leap second as the start of the next day', async () => {
    expect(await found(q('since', '1998-12-31T23:59:60Z'))).toBe(true);
    expect(await found(q('until', '1998-12-31T23:59:60Z'))).toBe(false);
  });

  it.each([
    ['since', '9999-12-31T23:59:59-01:00'],
    ['until', '0000-01-01T00:00:00+01:00'],
  ])('rejects %s=%s, outside years 0000-9999 in UTC, with 400 naming the field', async (name, value) => {
    const res = await s.call('GET', `/decisions?${q(name, value)}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { fields: [{ field: `querystring.${name}` }] } });
    expect(res.body.error.message).toContain(`querystring.${name}`);
  });

  it('still rejects what is not an RFC 3339 time, naming the field', async () => {
    const res = await s.call('GET', `/decisions?${q('since', '2026-11-21T18:38:05')}`);
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields).toEqual([expect.objectContaining({ field: 'querystring.since' })]);
  });
});
