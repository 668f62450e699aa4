import { join } from 'node:path';
import { pino } from 'pino';
import { closeDatabase } from '../../src/core/db/database.js';
import { openMigratedDatabase } from '../../src/core/db/open.js';
import { engineLedgers } from '../../src/features/engines/services/ledgers.js';

/** Writes, straight to `dataDir`'s database, one engine granted gmail/send_email; for runs against a real API process. */
export function seedGrantedEngine(dataDir: string): { engineId: string; key: string } {
  const db = openMigratedDatabase({ file: join(dataDir, 'borg.db'), autoMigrate: true, log: pino({ level: 'silent' }) });
  try {
    const { engines, platforms, grants } = engineLedgers(db);
    const by = { actor: 'seed', requestId: null };
    const { engine, key } = engines.register(by, { name: 'mailer', description: '', capabilities: [] });
    platforms.put(by, 'gmail', { name: 'Gmail', status: 'active', version: '1' });
    grants.create(by, { engine_id: engine.id, platform: 'gmail', action_type: 'send_email', scopes: ['gmail.send'], expires_at: null });
    return { engineId: engine.id, key };
  } finally {
    closeDatabase(db);
  }
}
