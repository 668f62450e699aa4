import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { reconcileFlows } from '../../../src/features/engines/reconcile.js';
import { engineLedgers } from '../../../src/features/engines/services/ledgers.js';
import { startTestStack } from '../../support/engine-control.js';
import { eventually } from '../../support/eventually.js';
import type { TestStack } from '../../support/engine-control.js';

describe('flows a crash left behind, put right at start', () => {
  let s: TestStack;
  const by = { actor: 'test', requestId: null };
  const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();
  const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
    await s.startWorker();
    await s.putPlatform('crm');
  });
  afterAll(() => s.close());

  it('starts the flow of a window Temporal never got, closes requests whose flow is gone, and leaves rows still being made alone', async () => {
    const services = s.server.app.engineControl;
    const { windows, grants } = engineLedgers(s.db);
    const engine = await s.registerEngine();
    // Rows as a process that died before its call to Temporal leaves them.
    windows.create(by, {
      id: 'mw_orphan',
      platform_id: 'crm',
      starts_at: minutesAgo(1),
      ends_at: inAnHour(),
      workflow_id: 'maintenance-crm-mw_orphan',
    });
    const ask = (id: string, action: string) =>
      grants.createRequest(
        by,
        {
          id,
          engine_id: engine.id,
          platform_id: 'crm',
          action_type: action,
          scopes: ['x'],
          duration_s: null,
          reason: '',
          workflow_id: `grant-request-${id}`,
        },
        86_400,
      );
    ask('greq_orphan', 'export');
    ask('greq_fresh', 'import');
    s.db.prepare("UPDATE maintenance_windows SET created_at = ? WHERE id = 'mw_orphan'").run(minutesAgo(2));
    s.db.prepare("UPDATE grant_requests SET created_at = ? WHERE id = 'greq_orphan'").run(minutesAgo(2));

    expect(await reconcileFlows(services, s.server.app.log)).toEqual({ restarted: ['mw_orphan'], closed: ['greq_orphan'] });
    await eventually(
      async () => (await s.call('GET', '/platforms/list')).body,
      (list: { id: string; status: string }[]) => list.find((p) => p.id === 'crm')?.status === 'maintenance',
    );
    expect(grants.getRequest('greq_orphan')).toMatchObject({ status: 'expired', decided_by: 'system:flow-gone' });
    // A moment old, it may still be waiting on its own route's call to Temporal.
    expect(grants.getRequest('greq_fresh')).toMatchObject({ status: 'pending' });

    // Once put right, a second start finds nothing to do.
    expect(await reconcileFlows(services, s.server.app.log)).toEqual({ restarted: [], closed: [] });
    expect((await s.call('POST', '/maintenance/mw_orphan/cancel')).status).toBe(202);
  });
});
