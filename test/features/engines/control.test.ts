import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { closeDatabase } from '../../../src/core/db/database.js';
import { openMigratedDatabase } from '../../../src/core/db/open.js';
import { EngineControl, MAX_PENDING_REQUESTS } from '../../../src/features/engines/control.js';
import { tempDir } from '../../support/stack.js';

/** Engine control over a database of its own, closed when the surrounding describe ends. */
function controlOverNewDatabase(): EngineControl {
  const db = openMigratedDatabase({ file: join(tempDir('borg-control-'), 'borg.db'), autoMigrate: true, log: pino({ level: 'silent' }) });
  afterAll(() => closeDatabase(db));
  return new EngineControl(db);
}

describe('EngineControl.settleGrantRequest', () => {
  const control = controlOverNewDatabase();
  const by = { actor: 'operator:test', requestId: null };

  it('denies, rather than fails for ever, an approval for an engine that was revoked behind its back', () => {
    const { engine } = control.registerEngine(by, { name: 'gone', description: '', capabilities: [] });
    control.putPlatform(by, { id: 'gmail', name: 'Gmail', version: '1' });
    control.createGrantRequest(by, { id: 'req_1', engine_id: engine.id, platform_id: 'gmail', action_type: 'send_email', scopes: ['x'], duration_s: null, reason: '', workflow_id: 'wf' }, 86_400);
    // As a database from before revocation closed open requests would hold it.
    control.engines.setStatus(engine.id, 'revoked');
    const settled = control.settleGrantRequest(by, 'req_1', 'approved', 'operator:test');
    expect(settled).toMatchObject({ status: 'denied', grant_id: null });
    expect(control.grants.list({ engine_id: engine.id })).toEqual([]);
  });
});

describe('EngineControl.createGrantRequest', () => {
  const control = controlOverNewDatabase();
  const by = { actor: 'engine:test', requestId: null };

  it(`keeps at most ${MAX_PENDING_REQUESTS} requests of one engine waiting, whatever actions they name`, () => {
    const { engine } = control.registerEngine(by, { name: 'asker', description: '', capabilities: [] });
    const { engine: other } = control.registerEngine(by, { name: 'other', description: '', capabilities: [] });
    control.putPlatform(by, { id: 'gmail', name: 'Gmail', version: '1' });
    const ask = (engineId: string, n: number) =>
      control.createGrantRequest(by, { id: `req_${engineId}_${n}`, engine_id: engineId, platform_id: 'gmail', action_type: `act_${n}`, scopes: ['x'], duration_s: null, reason: '', workflow_id: 'wf' }, 86_400);
    for (let n = 0; n < MAX_PENDING_REQUESTS; n++) ask(engine.id, n);
    expect(() => ask(engine.id, MAX_PENDING_REQUESTS)).toThrow(`engine ${engine.id} already has ${MAX_PENDING_REQUESTS} requests waiting for an operator, the most it may`);
    expect(ask(other.id, 0).status).toBe('pending');
    control.settleGrantRequest(by, `req_${engine.id}_0`, 'denied', 'operator:test');
    expect(ask(engine.id, MAX_PENDING_REQUESTS).status).toBe('pending');
  });
});

describe('EngineControl.transitionWindow', () => {
  const control = controlOverNewDatabase();
  const by = { actor: 'operator:test', requestId: null };
  let n = 0;

  /** A platform in `status`, with a window already scheduled on it; the steps below drive it as its workflow would. */
  function platformWithWindow(status: 'active' | 'maintenance' | 'disabled'): { id: string; window: () => string } {
    n += 1;
    const id = `p${n}`;
    control.putPlatform(by, { id, name: id, version: '1', status });
    const window = (): string => {
      const w = control.createWindow(by, { id: `mw_${id}_${(n += 1)}`, platform_id: id, starts_at: '2030-01-01T00:00:00.000Z', ends_at: '2030-01-01T01:00:00.000Z', workflow_id: 'wf' });
      return w.id;
    };
    return { id, window };
  }
  const status = (id: string) => control.platform(id).status;

  it.each([
    ['active', 'active'],
    ['maintenance', 'maintenance'],
    ['disabled', 'disabled'],
  ] as const)('returns a platform that was %s before its window to %s', (before, after) => {
    const { id, window } = platformWithWindow(before);
    const w = window();
    control.transitionWindow(by, w, 'active');
    expect(status(id)).toBe(before === 'disabled' ? 'disabled' : 'maintenance');
    control.transitionWindow(by, w, 'completed');
    expect(status(id)).toBe(after);
  });

  it('returns to the status it had before the first of overlapping windows, when the last one ends', () => {
    const { id, window } = platformWithWindow('active');
    const [first, second] = [window(), window()];
    control.transitionWindow(by, first, 'active');
    control.transitionWindow(by, second, 'active');
    control.transitionWindow(by, first, 'completed');
    expect(status(id)).toBe('maintenance');
    control.transitionWindow(by, second, 'cancelled');
    expect(status(id)).toBe('active');
  });

  it('does not pin a platform in maintenance when a client writes back the status it just read', () => {
    const { id, window } = platformWithWindow('active');
    const w = window();
    control.transitionWindow(by, w, 'active');
    control.putPlatform(by, { id, name: id, version: '2', status: 'maintenance' });
    control.transitionWindow(by, w, 'completed');
    expect(status(id)).toBe('active');
  });

  it('keeps what an operator set during overlapping windows on a platform that was disabled when they began', () => {
    const { id, window } = platformWithWindow('disabled');
    const [first, second] = [window(), window()];
    control.transitionWindow(by, first, 'active');
    control.putPlatform(by, { id, name: id, version: '2', status: 'maintenance' });
    control.transitionWindow(by, second, 'active');
    control.transitionWindow(by, first, 'completed');
    control.transitionWindow(by, second, 'completed');
    expect(status(id)).toBe('maintenance');
  });

  it.each(['disabled', 'active'] as const)('keeps a status an operator set to %s while the window ran', (set) => {
    const { id, window } = platformWithWindow('active');
    const w = window();
    control.transitionWindow(by, w, 'active');
    control.putPlatform(by, { id, name: id, version: '2', status: set });
    control.transitionWindow(by, w, 'completed');
    expect(status(id)).toBe(set);
  });
});

describe('EngineControl grant replacement', () => {
  const control = controlOverNewDatabase();
  const by = { actor: 'operator:test', requestId: null };
  const { engine } = control.registerEngine(by, { name: 'racer', description: '', capabilities: [] });
  control.putPlatform(by, { id: 'slack', name: 'Slack', version: '1' });
  const grant = (scopes: string[], replacing = true) => control.createGrant(by, { engine_id: engine.id, platform: 'slack', action_type: 'post', scopes, expires_at: null }, replacing);
  const active = () => control.grants.list({ engine_id: engine.id, status: 'active' }).map((g) => g.id);

  it('ends the grant it replaces in the same step, and leaves it in force when the replacement is refused', () => {
    const first = grant(['a'], false);
    expect(() => grant(['b'], false)).toThrow(`engine ${engine.id} already holds ${first.id} for slack/post`);
    const second = grant(['b']);
    expect(second.superseded).toEqual([first.id]);
    expect(active()).toEqual([second.id]);
    expect(control.grants.get(first.id)).toMatchObject({ status: 'revoked' });
    const past = { engine_id: engine.id, platform: 'slack', action_type: 'post', scopes: ['c'], expires_at: '2020-01-01T00:00:00.000Z' };
    expect(() => control.createGrant(by, past, true)).toThrow('body.expires_at must be in the future');
    expect(active()).toEqual([second.id]);
  });
});
