import { join } from 'node:path';
import { pino } from 'pino';
import { closeDatabase } from '../../src/core/db/database.js';
import { openMigratedDatabase } from '../../src/core/db/open.js';
import { EngineControl } from '../../src/features/engines/control.js';

/** Writes, straight to `dataDir`'s database, one engine granted gmail/send_email; for runs against a real API process. */
export function seedGrantedEngine(dataDir: string): { engineId: string; key: string } {
  const db = openMigratedDatabase({ file: join(dataDir, 'borg.db'), autoMigrate: true, log: pino({ level: 'silent' }) });
  try {
    const control = new EngineControl(db);
    const by = { actor: 'seed', requestId: null };
    const { engine, key } = control.registerEngine(by, { name: 'mailer', description: '', capabilities: [] });
    control.putPlatform(by, { id: 'gmail', name: 'Gmail', status: 'active', version: '1' });
    control.createGrant(by, { engine_id: engine.id, platform: 'gmail', action_type: 'send_email', scopes: ['gmail.send'], expires_at: null });
    return { engineId: engine.id, key };
  } finally {
    closeDatabase(db);
  }
}
