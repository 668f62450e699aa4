import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MaintenanceRepository } from '../../../../src/features/engines/repositories/maintenance.js';
import { PlatformRepository } from '../../../../src/features/engines/repositories/platforms.js';
import type { PlatformStatus } from '../../../../src/features/engines/repositories/platforms.js';
import { startTestStack } from '../../../support/engine-control.js';
import type { EngineCreds, TestStack } from '../../../support/engine-control.js';

describe('GET /platforms/list: the status checks apply', () => {
  let s: TestStack;
  let engine: EngineCreds;
  const ask = async (platform: string) =>
    (await s.call('POST', '/actions/check', { engine, body: { engine_id: engine.id, platform, action_type: 'post' } })).body;
  const listed = async (id: string) =>
    ((await s.call('GET', '/platforms/list', { engine })).body as { id: string; status: string }[]).find((p) => p.id === id)?.status;
  const at = (ms: number) => new Date(Date.now() + ms).toISOString();

  /** A granted platform stored in `status` with `afterWindows` recorded, and a window row (no flow) from `startsIn` to `endsIn` ms from now. */
  async function platformWithWindow(
    id: string,
    status: PlatformStatus,
    afterWindows: PlatformStatus | null,
    startsIn: number,
    endsIn: number,
  ): Promise<void> {
    await s.putPlatform(id, status);
    await s.grant(engine.id, id, 'post');
    new PlatformRepository(s.db).setStatusAfterWindows(id, afterWindows);
    new MaintenanceRepository(s.db).insert({
      id: `mw_${id}`,
      platform_id: id,
      starts_at: at(startsIn),
      ends_at: at(endsIn),
      status: 'active',
      workflow_id: 'wf',
      created_at: at(0),
    });
  }

  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
    engine = await s.registerEngine('poster');
  });
  afterAll(() => s.close());

  it.each([
    ['maintenance', 'active', 'active', 'granted'],
    ['maintenance', 'disabled', 'disabled', 'platform_disabled'],
    ['maintenance', null, 'maintenance', 'platform_maintenance'],
  ] as const)(
    'lists a platform stored %s, returning to %s, whose window has ended by the clock as %s (%s)',
    async (status, afterWindows, shown, reason) => {
      const id = `ended-${afterWindows}`;
      await platformWithWindow(id, status, afterWindows, -60_000, -1000);
      expect(await listed(id)).toBe(shown);
      expect(await ask(id)).toMatchObject({ reason });
    },
  );

  it('lists a platform disabled during a window in force as maintenance, the reason its checks give', async () => {
    await platformWithWindow('disabled-in-window', 'disabled', 'disabled', -1000, 60_000);
    expect(await listed('disabled-in-window')).toBe('maintenance');
    expect(await ask('disabled-in-window')).toMatchObject({ allowed: false, reason: 'platform_maintenance' });
  });
});
