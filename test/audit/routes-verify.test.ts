import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestStack } from '../support/engine-control.js';
import type { TestStack } from '../support/engine-control.js';

describe('GET /audit/verify?head=', () => {
  let s: TestStack;
  let reader: string;
  const verify = (query = '') => s.call('GET', `/audit/verify${query}`, { operator: reader });

  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
    reader = s.keyFor('reader');
  });
  afterAll(() => s.close());

  it('is ok while the chain holds the kept head, and names a chain cut short at its end', async () => {
    await s.putPlatform('gmail');
    const kept = (await verify()).body as { ok: boolean; checked: number; head: string };
    expect(kept.ok).toBe(true);
    await s.putPlatform('slack');
    await s.putPlatform('teams');
    const later = (await verify()).body as { checked: number; head: string };
    const held = await verify(`?head=${kept.head}`);
    expect(held.status).toBe(200);
    expect(held.body).toEqual({ ok: true, checked: later.checked, head: later.head, holds_kept_head: true });

    // What someone with the database file can do: the triggers go, the newest entries go, and the rest still links up.
    s.db.exec('DROP TRIGGER audit_log_no_delete');
    s.db.prepare('DELETE FROM audit_log WHERE seq > ?').run(kept.checked);
    expect((await verify()).body).toEqual({ ok: true, checked: kept.checked, head: kept.head });
    expect((await verify(`?head=${later.head}`)).body).toEqual({
      ok: false,
      checked: kept.checked,
      head: kept.head,
      missing_head: {
        hash: later.head,
        problem: `the kept head is not in the chain, which holds ${kept.checked} intact entries: entries were removed from its end, or the head is from another database`,
      },
    });
  });

  it('refuses a head that is not 64 lowercase hex characters, naming the field', async () => {
    const res = await verify('?head=ABC');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { fields: [{ field: 'querystring.head', message: 'must be 64 lowercase hexadecimal digits' }] },
    });
  });
});
