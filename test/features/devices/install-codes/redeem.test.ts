import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../../../src/core/db/database.js';
import { openMigratedDatabase } from '../../../../src/core/db/open.js';
import { InstallCodeService } from '../../../../src/features/devices/install-codes/service.js';
import { tempDir } from '../../../support/stack.js';

const log = pino({ level: 'silent' });
const by = { actor: 'operator:test', requestId: null };
const body = { ttl_s: 3600, max_uses: 2, tags: ['site:lab'], auto_approve: false, note: '' };

describe('redeeming install codes on two database connections', () => {
  it('sees a use taken on the other connection: the last use goes to one of them only', () => {
    const file = join(tempDir(), 'borg.db');
    const first = openMigratedDatabase({ file, autoMigrate: true, log });
    const second = openDatabase(file);
    try {
      const a = new InstallCodeService(first);
      const b = new InstallCodeService(second);
      const { code, install_code } = a.create(by, body);
      const now = new Date().toISOString();
      expect(b.redeem(code, now)).toEqual({
        ok: true,
        code: { id: install_code.id, tags: ['site:lab'], profile: null, auto_approve: false },
      });
      expect(a.redeem(code, now)).toMatchObject({ ok: true });
      expect(b.redeem(code, now)).toEqual({ ok: false, reason: 'used_up' });
      expect(a.redeem(code, now)).toEqual({ ok: false, reason: 'used_up' });
      expect(a.list().find((c) => c.id === install_code.id)).toMatchObject({ uses: 2, max_uses: 2, state: 'used_up', last_used_at: now });
    } finally {
      closeDatabase(second);
      closeDatabase(first);
    }
  });

  it('lets exactly one of two replicas take the last use when both redeem the same codes at the same moment', async () => {
    const dir = tempDir();
    const file = join(dir, 'borg.db');
    const db = openMigratedDatabase({ file, autoMigrate: true, log });
    const service = new InstallCodeService(db);
    const count = 300;
    const codes: string[] = [];
    for (let i = 0; i < count; i++) {
      const { code } = service.create(by, body);
      // One use taken already: the race is for the last one.
      expect(service.redeem(code, new Date().toISOString()).ok).toBe(true);
      codes.push(code);
    }
    closeDatabase(db);
    const codesFile = join(dir, 'codes.json');
    writeFileSync(codesFile, JSON.stringify(codes));

    const racer = new URL('./redeem-racer.ts', import.meta.url).pathname;
    const startAt = String(Date.now() + 3000);
    // One walks the codes forward, the other backward: they meet somewhere in the middle and contend there.
    const race = (order: string) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', racer, file, codesFile, startAt, order]).then(
        ({ stdout }) => JSON.parse(stdout) as { won: string[]; lost: string[] },
      );
    const [a, b] = await Promise.all([race('forward'), race('backward')]);

    // Every code's last use taken once, by one of the two; the loser of each was told it was used up.
    expect(new Set([...a.won, ...b.won]).size).toBe(count);
    expect(a.won.length + b.won.length).toBe(count);
    expect(new Set([...a.lost, ...b.lost])).toEqual(new Set(['used_up']));
    expect(a.lost.length + b.lost.length).toBe(count);

    const after = openDatabase(file);
    try {
      expect(after.prepare('SELECT count(*) AS n FROM install_codes WHERE uses = max_uses').get()).toEqual({ n: count });
      expect(after.prepare('SELECT max(uses) AS most FROM install_codes').get()).toEqual({ most: 2 });
    } finally {
      closeDatabase(after);
    }
  });
});
