import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDevServer } from '../../../../src/core/temporal/dev-server.js';
import type { DevServer } from '../../../../src/core/temporal/dev-server.js';
import { startTestStack } from '../../../support/engine-control.js';
import { eventually } from '../../../support/eventually.js';
import type { EngineCreds, TestStack } from '../../../support/engine-control.js';
import { freePort } from '../../../support/ports.js';
import { tempDir } from '../../../support/stack.js';

describe('a maintenance window survives a Temporal server restart', () => {
  const dbFile = join(tempDir('borg-restart-'), 'temporal.db');
  let server: DevServer;
  let port: number;
  let uiPort: number;
  let s: TestStack;
  let engine: EngineCreds;
  const start = () => startDevServer({ cli: inject('temporalCli'), dbFile, port, uiPort, namespace: 'default' });

  beforeAll(async () => {
    [port, uiPort] = [await freePort(), await freePort()];
    server = await start();
    s = await startTestStack(server.address);
    await s.startWorker();
    await s.putPlatform('jira');
    engine = await s.registerEngine();
    await s.grant(engine.id, 'jira', 'create_issue');
  });
  afterAll(async () => {
    await s.close();
    await server.stop();
  });

  it('starts and ends on time although worker and server were both down when it started', async () => {
    const ask = async () =>
      (await s.call('POST', '/actions/check', { engine, body: { engine_id: engine.id, platform: 'jira', action_type: 'create_issue' } }))
        .body;
    const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
    const res = await s.call('POST', '/platforms/jira/maintenance', { body: { starts_at: inMs(2500), ends_at: inMs(20_000) } });
    expect(res.status).toBe(201);

    await s.stopWorker();
    await server.stop();
    await new Promise((r) => setTimeout(r, 3500));
    // Checks read the window by the clock: it denies from its start with Temporal down.
    expect(await ask()).toMatchObject({ allowed: false, reason: 'platform_maintenance' });

    server = await start();
    await s.startWorker();
    const jiraStatus = async () =>
      ((await s.call('GET', '/platforms/list', { engine })).body as { id: string; status: string }[]).find((p) => p.id === 'jira')?.status;
    await eventually(jiraStatus, (st) => st === 'maintenance');
    await eventually(ask, (d) => d.allowed === true);
    expect(await jiraStatus()).toBe('active');
    // Checks and the list go by the clock; the row is the flow's, written once its end timer fires.
    const windows = async () => (await s.call('GET', '/maintenance?platform=jira')).body as { id: string; status: string }[];
    await eventually(windows, (ws) => ws[0]?.id === res.body.id && ws[0]?.status === 'completed', 10_000);
  });

  it('answers 503 to an approval while the server is down, and the request can be approved once it is back', async () => {
    const req = await s.call('POST', '/grants/request', {
      engine,
      body: { platform: 'jira', action_type: 'close_issue', scopes: ['jira.write'], reason: 'triage' },
    });
    expect(req.status).toBe(202);
    await s.stopWorker();
    await server.stop();
    const refused = await s.call('POST', `/grant-requests/${req.body.id}/approve`);
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('TEMPORAL_UNAVAILABLE');

    server = await start();
    await s.startWorker();
    const approved = await s.call('POST', `/grant-requests/${req.body.id}/approve`);
    expect(approved.body).toMatchObject({ status: 'approved', grant_id: expect.stringMatching(/^grt_/) });
  });
});
