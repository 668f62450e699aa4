import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EventLog } from '../../src/core/events/event-log.js';
import { startTestStack } from '../support/engine-control.js';
import type { TestStack } from '../support/engine-control.js';
import { eventually } from '../support/eventually.js';

describe('denied engine decisions reach the event stream', () => {
  let s: TestStack;

  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
    await s.putPlatform('jira');
  });
  afterAll(() => s?.close());

  it('appends engine.decision_denied once per denial, as it joins the audit log; allowed decisions append nothing', async () => {
    const engine = await s.registerEngine();
    await s.grant(engine.id, 'jira', 'create_issue');
    const check = (action_type: string) =>
      s.call('POST', '/actions/check', { engine, body: { engine_id: engine.id, platform: 'jira', action_type } });
    expect((await check('delete_project')).body.allowed).toBe(false);
    expect((await check('create_issue')).body.allowed).toBe(true);
    const events = new EventLog(s.db);
    const denied = await eventually(
      () => events.after(0, { types: ['engine.decision_denied'], limit: 10 }),
      (e) => e.length > 0,
    );
    expect(denied).toEqual([
      expect.objectContaining({
        type: 'engine.decision_denied',
        subject: engine.id,
        data: expect.objectContaining({ platform: 'jira', action_type: 'delete_project', reason: 'no_grant' }),
      }),
    ]);
    // Both decisions are in the audit log by now; still only the denial is an event.
    await new Promise((r) => setTimeout(r, 1500));
    expect(events.after(0, { types: ['engine.decision_denied'], limit: 10 })).toHaveLength(1);
  });
});
