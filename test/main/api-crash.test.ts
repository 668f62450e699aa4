import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/core/db/database.js';
import { freePort } from '../support/ports.js';
import { runScript } from '../support/process.js';
import { seedGrantedEngine } from '../support/seed.js';
import { tempDir } from '../support/stack.js';

describe('the decision log across a crash', () => {
  it('keeps every decision the API answered when the process is killed, and borgctl finds the chain intact', async () => {
    const dataDir = tempDir('borg-crash-');
    const { engineId, key } = seedGrantedEngine(dataDir);

    const port = await freePort();
    // Temporal is not needed for checks; a closed port keeps the API from waiting on one.
    const api = runScript('start:api', { BORG_DATA_DIR: dataDir, BORG_API_PORT: String(port), TEMPORAL_ADDRESS: '127.0.0.1:1' });
    await api.waitForOutput('API ready');
    const check = async (action_type: string) => {
      const res = await fetch(`http://127.0.0.1:${port}/actions/check`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-engine-id': engineId, 'x-engine-key': key },
        body: JSON.stringify({ engine_id: engineId, platform: 'gmail', action_type }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { decision_id: string }).decision_id;
    };
    const answered = await Promise.all(Array.from({ length: 200 }, (_, i) => check(i % 3 ? 'send_email' : 'delete_email')));
    process.kill(-api.child.pid!, 'SIGKILL');
    await api.exited;

    const verify = runScript('borgctl', { BORG_DATA_DIR: dataDir }, ['audit', 'verify']);
    expect((await verify.exited).code).toBe(0);
    expect(verify.output()).toMatch(/audit chain intact: \d+ entries/);
    const after = openDatabase(join(dataDir, 'borg.db'));
    const logged = new Set(after.prepare("SELECT id FROM audit_log WHERE kind = 'decision'").pluck().all() as string[]);
    after.close();
    expect(logged.size).toBe(200);
    expect(answered.filter((id) => !logged.has(id))).toEqual([]);
  });
});
