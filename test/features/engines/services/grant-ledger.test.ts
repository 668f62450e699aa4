import { describe, expect, it } from 'vitest';
import { EngineRepository } from '../../../../src/features/engines/repositories/engines.js';
import { MAX_PENDING_REQUESTS } from '../../../../src/features/engines/services/grant-ledger.js';
import { ledgersOverNewDatabase } from './over-new-database.js';

describe('GrantLedger.settleRequest', () => {
  const { db, engines, platforms, grants } = ledgersOverNewDatabase();
  const by = { actor: 'operator:test', requestId: null };

  it('denies, rather than fails for ever, an approval for an engine that was revoked behind its back', () => {
    const { engine } = engines.register(by, { name: 'gone', description: '', capabilities: [] });
    platforms.put(by, 'gmail', { name: 'Gmail', version: '1' });
    grants.createRequest(
      by,
      {
        id: 'req_1',
        engine_id: engine.id,
        platform_id: 'gmail',
        action_type: 'send_email',
        scopes: ['x'],
        duration_s: null,
        reason: '',
        workflow_id: 'wf',
      },
      86_400,
    );
    // Behind its back: the row changed without the ledger, which would have closed the request with it.
    new EngineRepository(db).setStatus(engine.id, 'revoked');
    const settled = grants.settleRequest(by, 'req_1', 'approved', 'operator:test');
    expect(settled).toMatchObject({ status: 'denied', grant_id: null });
    expect(grants.list({ engine_id: engine.id })).toEqual([]);
  });
});

describe('GrantLedger.createRequest', () => {
  const { engines, platforms, grants } = ledgersOverNewDatabase();
  const by = { actor: 'engine:test', requestId: null };

  it(`keeps at most ${MAX_PENDING_REQUESTS} requests of one engine waiting, whatever actions they name`, () => {
    const { engine } = engines.register(by, { name: 'asker', description: '', capabilities: [] });
    const { engine: other } = engines.register(by, { name: 'other', description: '', capabilities: [] });
    platforms.put(by, 'gmail', { name: 'Gmail', version: '1' });
    const ask = (engineId: string, n: number) =>
      grants.createRequest(
        by,
        {
          id: `req_${engineId}_${n}`,
          engine_id: engineId,
          platform_id: 'gmail',
          action_type: `act_${n}`,
          scopes: ['x'],
          duration_s: null,
          reason: '',
          workflow_id: 'wf',
        },
        86_400,
      );
    for (let n = 0; n < MAX_PENDING_REQUESTS; n++) ask(engine.id, n);
    expect(() => ask(engine.id, MAX_PENDING_REQUESTS)).toThrow(
      `engine ${engine.id} already has ${MAX_PENDING_REQUESTS} requests waiting for an operator, the most it may`,
    );
    expect(ask(other.id, 0).status).toBe('pending');
    grants.settleRequest(by, `req_${engine.id}_0`, 'denied', 'operator:test');
    expect(ask(engine.id, MAX_PENDING_REQUESTS).status).toBe('pending');
  });
});

describe('GrantLedger grant replacement', () => {
  const { engines, platforms, grants } = ledgersOverNewDatabase();
  const by = { actor: 'operator:test', requestId: null };
  const { engine } = engines.register(by, { name: 'racer', description: '', capabilities: [] });
  platforms.put(by, 'slack', { name: 'Slack', version: '1' });
  const grant = (scopes: string[], replacing = true) =>
    grants.create(by, { engine_id: engine.id, platform: 'slack', action_type: 'post', scopes, expires_at: null }, replacing);
  const active = () => grants.list({ engine_id: engine.id, status: 'active' }).map((g) => g.id);

  it('ends the grant it replaces in the same step, and leaves it in force when the replacement is refused', () => {
    const first = grant(['a'], false);
    expect(() => grant(['b'], false)).toThrow(`engine ${engine.id} already holds ${first.id} for slack/post`);
    const second = grant(['b']);
    expect(second.superseded).toEqual([first.id]);
    expect(active()).toEqual([second.id]);
    expect(grants.get(first.id)).toMatchObject({ status: 'revoked' });
    const past = { engine_id: engine.id, platform: 'slack', action_type: 'post', scopes: ['c'], expires_at: '2020-01-01T00:00:00.000Z' };
    expect(() => grants.create(by, past, true)).toThrow('body.expires_at must be in the future');
    expect(active()).toEqual([second.id]);
  });
});
