import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../../src/audit/chain.js';
import { ApiKeys } from '../../../src/features/operators/api-keys.js';
import { closeDatabase } from '../../../src/core/db/database.js';
import { openMigratedDatabase } from '../../../src/core/db/open.js';
import { AuditLogRepository } from '../../../src/audit/audit-log.js';
import { tempDir } from '../../support/stack.js';

describe('ApiKeys.bootstrapAdmin', () => {
  it('records the first admin key as made by system:bootstrap, once, without the key', () => {
    const db = openMigratedDatabase({ file: join(tempDir('api-keys-'), 'borg.db'), autoMigrate: true, log: pino({ level: 'silent' }) });
    try {
      const keys = new ApiKeys(db);
      const key = keys.bootstrapAdmin()!;
      const id = key.slice(key.lastIndexOf('.') + 1);
      expect(keys.bootstrapAdmin()).toBeUndefined();

      const rows = [...new AuditLogRepository(db).rows()];
      expect(
        rows.map(({ kind, actor, action, request_id, details }) => ({ kind, actor, action, request_id, details: JSON.parse(details) })),
      ).toEqual([
        {
          kind: 'change',
          actor: 'system:bootstrap',
          action: 'api_key.created',
          request_id: null,
          details: { key_id: id, name: 'first admin', role: 'admin' },
        },
      ]);
      expect(JSON.stringify(rows)).not.toContain(key.split('.')[0]);
      expect(verifyChain(rows)).toMatchObject({ ok: true, checked: 1 });
    } finally {
      closeDatabase(db);
    }
  });
});
