import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestStack } from '../../../support/engine-control.js';
import { eventually } from '../../../support/eventually.js';
import type { TestStack } from '../../../support/engine-control.js';

describe('the engine and maintenance lists, paged and filtered', () => {
  let s: TestStack;
  const ids = async (path: string) => {
    const res = await s.call('GET', path);
    expect(res.status).toBe(200);
    return (res.body as { id: string }[]).map((row) => row.id);
  };

  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
    await s.startWorker();
    await s.putPlatform('jira');
  });
  afterAll(() => s.close());

  it('pages engines oldest first, filters them by status, and says when after names no engine', async () => {
    const made: string[] = [];
    for (const name of ['e1', 'e2', 'e3', 'e4', 'e5']) made.push((await s.registerEngine(name)).id);
    expect((await s.call('POST', `/engines/${made[1]}/suspend`)).status).toBe(200);
    expect((await s.call('POST', `/engines/${made[3]}/revoke`)).status).toBe(200);

    expect(await ids('/engines')).toEqual(made);
    expect(await ids('/engines?limit=2')).toEqual(made.slice(0, 2));
    expect(await ids(`/engines?limit=2&after=${made[1]}`)).toEqual(made.slice(2, 4));
    expect(await ids(`/engines?limit=2&after=${made[3]}`)).toEqual(made.slice(4));
    expect(await ids('/engines?status=active')).toEqual([made[0], made[2], made[4]]);
    expect(await ids(`/engines?status=active&limit=1&after=${made[0]}`)).toEqual([made[2]]);
    expect(await ids('/engines?status=suspended')).toEqual([made[1]]);

    const lost = await s.call('GET', '/engines?after=eng_nothing');
    expect(lost.status).toBe(400);
    expect(lost.body.error).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'querystring.after names no engine: eng_nothing',
      details: { fields: [{ field: 'querystring.after', message: 'names no engine' }] },
    });
    const typo = await s.call('GET', '/engines?status=paused');
    expect(typo.status).toBe(400);
    expect(typo.body.error.message).toContain('querystring.status');
  });

  it('pages maintenance windows in order of start, whatever order they were scheduled in, and filters by status', async () => {
    const at = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
    const schedule = async (from: string, to: string) => {
      const res = await s.call('POST', '/platforms/jira/maintenance', { body: { starts_at: from, ends_at: to } });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    // Scheduled latest first; the one that starts in a second is also the last made.
    const third = await schedule(at(72), at(73));
    const second = await schedule(at(48), at(49));
    const first = await schedule(new Date(Date.now() + 1000).toISOString(), at(24));
    const inStartOrder = [first, second, third];

    expect(await ids('/maintenance?platform=jira')).toEqual(inStartOrder);
    expect(await ids('/maintenance?platform=jira&limit=2')).toEqual(inStartOrder.slice(0, 2));
    expect(await ids(`/maintenance?platform=jira&after=${second}`)).toEqual([third]);
    expect(await ids('/maintenance?platform=slack')).toEqual([]);

    await eventually(
      () => ids('/maintenance?status=active'),
      (active) => active.length === 1,
    );
    expect(await ids('/maintenance?status=active')).toEqual([first]);
    expect(await ids('/maintenance?platform=jira&status=scheduled')).toEqual([second, third]);

    const lost = await s.call('GET', '/maintenance?after=mw_nothing');
    expect(lost.status).toBe(400);
    expect(lost.body.error.message).toBe('querystring.after names no maintenance window: mw_nothing');
  });
});
