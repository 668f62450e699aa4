import { join } from 'node:path';
import { pino } from 'pino';
import { closeDatabase } from '../../../src/core/db/database.js';
import { openMigratedDatabase } from '../../../src/core/db/open.js';
import { DpopNonces } from '../../../src/features/devices/dpop/nonces.js';
import { DpopReplayRepository } from '../../../src/features/devices/dpop/replay-repository.js';
import type { DpopSettings } from '../../../src/features/devices/dpop/verify-proof.js';
import { tempDir } from '../../support/stack.js';

/** The server's DPoP settings over a real, migrated SQLite file: its replay store, and server nonces if asked. */
export function serverDpopSettings(options: { nonces?: boolean } = {}): DpopSettings & { close: () => void } {
  const db = openMigratedDatabase({ file: join(tempDir(), 'borg.db'), autoMigrate: true, log: pino({ level: 'silent' }) });
  return {
    replays: new DpopReplayRepository(db),
    iatWindowS: 60,
    ...(options.nonces ? { nonces: new DpopNonces(Buffer.alloc(32, 7)) } : {}),
    close: () => closeDatabase(db),
  };
}

/** Where a request went, as the server's verifier takes it, from an absolute URL. */
export function targetOf(url: string): { protocol: string; host: string; url: string } {
  const parsed = new URL(url);
  return { protocol: parsed.protocol.slice(0, -1), host: parsed.host, url: parsed.pathname + parsed.search };
}
