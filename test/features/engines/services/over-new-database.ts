import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll } from 'vitest';
import { closeDatabase } from '../../../../src/core/db/database.js';
import type { Db } from '../../../../src/core/db/database.js';
import { openMigratedDatabase } from '../../../../src/core/db/open.js';
import { engineLedgers } from '../../../../src/features/engines/services/ledgers.js';
import type { EngineLedgers } from '../../../../src/features/engines/services/ledgers.js';
import { tempDir } from '../../../support/stack.js';

/** Engine control's ledgers over a database of their own, closed when the surrounding describe ends. */
export function ledgersOverNewDatabase(): EngineLedgers & { db: Db } {
  const db = openMigratedDatabase({ file: join(tempDir('borg-control-'), 'borg.db'), autoMigrate: true, log: pino({ level: 'silent' }) });
  afterAll(() => closeDatabase(db));
  return { db, ...engineLedgers(db) };
}
