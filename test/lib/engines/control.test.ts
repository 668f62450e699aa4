import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { closeDatabase } from '../../../lib/db/database.js';
import { openMigratedDatabase } from '../../../lib/db/open.js';
import { EngineControl } from '../../../lib/engines/control.js';
import { tempDir } from '../../support/stack.js';

describe('EngineControl.settleGrantRequest', () => {
  const db = openMigratedDatabase({ file: join(tempDir('borg-control-'), 'borg.db'), autoMigrate: true, log: pino({ level: 'silent' }) });
  const control = new EngineControl(db);
  const by = { actor: 'operator:test', requestId: null };
  afterAll(() => closeDatabase(db));

  it('denies, rather than fails for ever, an approval for an engine that was revoked behind its back', () => {
    const { engine } = control.registerEngine(by, { name: 'gone', description: '', capabilities: [] });
    control.putPlatform(by, { id: 'gmail', name: 'Gmail', version: '1' });
    control.createGrantRequest(by, { id: 'req_1', engine_id: engine.id, platform_id: 'gmail', action_type: 'send_email', scopes: ['x'], duration_s: null, reason: '', workflow_id: 'wf' });
    // As a database from before revocation closed open requests would hold it.
    control.engines.setStatus(engine.id, 'revoked');
    const settled = control.settleGrantRequest(by, 'req_1', 'approved', 'operator:test');
    expect(settled).toMatchObject({ status: 'denied', grant_id: null });
    expect(control.grants.list({ engine_id: engine.id })).toEqual([]);
  });
});
