import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ApiKeys } from '../../src/features/operators/api-keys.js';
import { closeDatabase, openDatabase } from '../../src/core/db/database.js';
import { openMigratedDatabase } from '../../src/core/db/open.js';
import { engineLedgers } from '../../src/features/engines/services/ledgers.js';
import { runScript } from '../support/process.js';
import { tempDir } from '../support/stack.js';

function seeded(): string {
  const dir = tempDir('borgctl-');
  const db = openMigratedDatabase({ file: join(dir, 'borg.db'), autoMigrate: true, log: pino({ level: 'silent' }) });
  const { platforms, engines } = engineLedgers(db);
  const by = { actor: 'test', requestId: null };
  platforms.put(by, 'gmail', { name: 'Gmail', status: 'active', version: '1' });
  engines.register(by, { name: 'e1', description: '', capabilities: [] });
  platforms.setStatus(by, 'gmail', 'maintenance');
  closeDatabase(db);
  return dir;
}

async function borgctl(dataDir: string, ...args: string[]) {
  const run = runScript('borgctl', { BORG_DATA_DIR: dataDir }, args);
  const { code } = await run.exited;
  return { code, output: run.output() };
}

describe('borgctl', () => {
  it('verifies an intact audit chain from the database file', async () => {
    const result = await borgctl(seeded(), 'audit', 'verify');
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/^audit chain intact: 3 entries, head [0-9a-f]{64}$/m);
  });

  it('names the first broken link and exits 1 when a row was altered', async () => {
    const dir = seeded();
    const db = openDatabase(join(dir, 'borg.db'));
    db.exec('DROP TRIGGER audit_log_no_update');
    db.prepare("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2").run();
    db.close();
    const result = await borgctl(dir, 'audit', 'verify');
    expect(result.code).toBe(1);
    expect(result.output).toMatch(
      /audit chain BROKEN at seq 2 \([0-9a-f-]{36}\): content does not match its hash \(row was altered\); 1 entries before it are intact/,
    );
  });

  it('with --head, exits 1 when entries were removed from the end of the chain, which alone still links up', async () => {
    const dir = seeded();
    const kept = /head ([0-9a-f]{64})/.exec((await borgctl(dir, 'audit', 'verify')).output)![1]!;
    const db = openMigratedDatabase({ file: join(dir, 'borg.db'), autoMigrate: false, log: pino({ level: 'silent' }) });
    engineLedgers(db).platforms.setStatus({ actor: 'test', requestId: null }, 'gmail', 'active');
    closeDatabase(db);
    const later = /head ([0-9a-f]{64})/.exec((await borgctl(dir, 'audit', 'verify', '--head', kept)).output)![1]!;

    const raw = openDatabase(join(dir, 'borg.db'));
    raw.exec('DROP TRIGGER audit_log_no_delete');
    raw.prepare('DELETE FROM audit_log WHERE seq = 4').run();
    closeDatabase(raw);
    expect((await borgctl(dir, 'audit', 'verify')).output.trim()).toBe(`audit chain intact: 3 entries, head ${kept}`);
    const cut = await borgctl(dir, 'audit', 'verify', '--head', later);
    expect(cut.code).toBe(1);
    expect(cut.output.trim()).toBe(
      `audit chain CUT SHORT: the kept head is not in the chain, which holds 3 intact entries: entries were removed from its end, or the head is from another database; its head is now ${kept}`,
    );
    const intact = await borgctl(dir, 'audit', 'verify', '--head', kept);
    expect(intact).toEqual({ code: 0, output: `audit chain intact: 3 entries, head ${kept}; it holds the kept head\n` });
  });

  it('mints a working operator key for recovery', async () => {
    const dir = seeded();
    const result = await borgctl(dir, 'keys', 'create', '--name', 'recovery', '--role', 'admin');
    expect(result.code).toBe(0);
    const key = result.output.trim().split('\n').at(-1)!;
    const db = openDatabase(join(dir, 'borg.db'));
    const record = new ApiKeys(db).authenticate(key);
    expect(record).toMatchObject({ name: 'recovery', role: 'admin' });
    const entry = db.prepare('SELECT actor, action, request_id, details FROM audit_log ORDER BY seq DESC LIMIT 1').get() as {
      details: string;
    };
    expect({ ...entry, details: JSON.parse(entry.details) }).toEqual({
      actor: 'cli:borgctl',
      action: 'api_key.created',
      request_id: null,
      details: { key_id: record!.id, name: 'recovery', role: 'admin' },
    });
    db.close();
    expect((await borgctl(dir, 'audit', 'verify')).output).toMatch(/^audit chain intact: 4 entries/m);
  });

  it.each([
    [['keys', 'create', '--name', 'x', '--role', 'root'], 'borgctl: --role must be one of admin, operator, reader, got "root"'],
    [['keys', 'create', '--name', 'x'], 'borgctl: keys create needs --role, one of admin, operator, reader'],
    [['keys', 'create', '--role', 'admin'], 'borgctl: keys create needs --name'],
    [['frobnicate'], 'borgctl: unknown command "frobnicate"; see npm run borgctl -- --help'],
    [
      ['audit', 'verify', '--head', 'abc'],
      'borgctl: --head must be the 64 lowercase hex characters an earlier audit verify printed as head, got "abc"',
    ],
    [['keys', 'create', '--name', 'x', '--role', 'admin', '--head', 'abc'], 'borgctl: --head is an option of audit verify'],
    [
      ['audit', 'verify', '--frob'],
      "borgctl: Unknown option '--frob'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- \"--frob\"; see npm run borgctl -- --help",
    ],
  ])('refuses %j in one line with exit code 2, before it looks for a database', async (args, line) => {
    const result = await borgctl(tempDir('borgctl-none-'), ...args);
    expect(result).toEqual({ code: 2, output: `${line}\n` });
  });

  it.each([
    ['a terminal escape', 'evil\x1b[31mred'],
    ['a leading space', ' recovery'],
    ['500 characters', 'k'.repeat(500)],
    ['a bidirectional override', 'admin\u202Eyek'],
  ])('refuses a key name POST /api-keys refuses, %s, with exit code 2, creating nothing', async (_case, name) => {
    const dir = seeded();
    const result = await borgctl(dir, 'keys', 'create', '--name', name, '--role', 'reader');
    expect(result).toEqual({
      code: 2,
      output:
        'borgctl: --name must be 1 to 100 characters of visible text without control characters, bidirectional overrides, zero-width spaces, unpaired surrogates or spaces at either end\n',
    });
    const db = openDatabase(join(dir, 'borg.db'));
    expect(new ApiKeys(db).list()).toEqual([]);
    db.close();
  });

  it('takes a name of 100 characters, as POST /api-keys does', async () => {
    const dir = seeded();
    const name = `réc${'o'.repeat(96)}y`;
    expect((await borgctl(dir, 'keys', 'create', '--name', name, '--role', 'reader')).code).toBe(0);
    const db = openDatabase(join(dir, 'borg.db'));
    expect(new ApiKeys(db).list()).toMatchObject([{ name, role: 'reader' }]);
    db.close();
  });

  it('prints its usage', async () => {
    expect(await borgctl(seeded(), '--help')).toEqual({ code: 0, output: expect.stringContaining('audit verify [--head H]') });
  });

  it('names a data directory that holds no database, and creates neither a database nor a missing directory', async () => {
    const empty = tempDir('borgctl-empty-');
    const result = await borgctl(empty, 'audit', 'verify');
    expect(result.code).toBe(2);
    expect(result.output.trim()).toBe(
      `borgctl: no database at ${join(empty, 'borg.db')}; set BORG_DATA_DIR to the control plane's data directory`,
    );
    expect(readdirSync(empty)).toEqual([]);
    const mistyped = join(empty, 'dtaa', 'borg');
    expect((await borgctl(mistyped, 'audit', 'verify')).output.trim()).toBe(
      `borgctl: no database at ${join(mistyped, 'borg.db')}; set BORG_DATA_DIR to the control plane's data directory`,
    );
    expect(readdirSync(empty)).toEqual([]);
  });
});
