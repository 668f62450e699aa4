import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { MaintenanceRepository } from '../../../../src/features/engines/repositories/maintenance.js';
import { PlatformRepository } from '../../../../src/features/engines/repositories/platforms.js';
import type { PlatformStatus } from '../../../../src/features/engines/repositories/platforms.js';
import { evaluate } from '../../../../src/features/engines/policy/evaluate.js';
import { PolicyCache } from '../../../../src/features/engines/policy/snapshot.js';
import { ledgersOverNewDatabase } from '../services/over-new-database.js';

describe('evaluate: maintenance windows by the clock', () => {
  const { db, engines, platforms, grants } = ledgersOverNewDatabase();
  const cache = new PolicyCache(db, pino({ level: 'silent' }));
  const by = { actor: 'operator:test', requestId: null };
  const { engine } = engines.register(by, { name: 'poster', description: '', capabilities: [] });
  const window = { starts_at: '2030-01-01T10:00:00.000Z', ends_at: '2030-01-01T11:00:00.000Z' };
  const during = Date.parse('2030-01-01T10:30:00.000Z');
  const ended = Date.parse(window.ends_at);

  /** A granted platform stored in `status` with `afterWindows` recorded, under a window whose flow ran its start but not its end. */
  function platformInWindow(id: string, status: PlatformStatus, afterWindows: PlatformStatus | null): void {
    platforms.put(by, id, { name: id, version: '1', status });
    new PlatformRepository(db).setStatusAfterWindows(id, afterWindows);
    new MaintenanceRepository(db).insert({
      id: `mw_${id}`,
      platform_id: id,
      ...window,
      status: 'active',
      workflow_id: 'wf',
      created_at: window.starts_at,
    });
    grants.create(by, { engine_id: engine.id, platform: id, action_type: 'post', scopes: ['x'], expires_at: null });
  }

  it.each([
    ['maintenance', 'active', 'granted'],
    ['maintenance', 'disabled', 'platform_disabled'],
    ['maintenance', 'maintenance', 'platform_maintenance'],
    ['maintenance', null, 'platform_maintenance'],
    ['disabled', 'disabled', 'platform_disabled'],
    ['active', 'active', 'granted'],
  ] as const)(
    'a platform stored %s, returning to %s: platform_maintenance during the window, %s once it has ended',
    (status, afterWindows, reason) => {
      const id = `p-${status}-${afterWindows}`;
      platformInWindow(id, status, afterWindows);
      // One snapshot for both: a window's end is a time event that changes nothing in the database.
      const snapshot = cache.current();
      const check = (nowMs: number) => evaluate(snapshot, engine.id, { engine_id: engine.id, platform: id, action_type: 'post' }, nowMs);
      expect(check(during)).toMatchObject({
        allowed: false,
        reason: 'platform_maintenance',
        message: `platform ${id} is in maintenance window mw_${id} until ${window.ends_at}`,
      });
      expect(check(ended - 1).reason).toBe('platform_maintenance');
      expect(check(ended)).toMatchObject({ allowed: reason === 'granted', reason });
    },
  );
});
