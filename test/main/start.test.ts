import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../../src/core/db/database.js';
import { readMigrations } from '../../src/core/db/migrations.js';
import { freePort } from '../support/ports.js';
import { descendants, runScript, survivors } from '../support/process.js';
import { tempDir } from '../support/stack.js';

/** A data dir and ports of its own for `npm start` with the embedded Temporal server. */
async function embeddedEnv() {
  return {
    BORG_DATA_DIR: tempDir('borg-start-'),
    BORG_API_PORT: String(await freePort()),
    BORG_TEMPORAL_PORT: String(await freePort()),
    BORG_TEMPORAL_UI_PORT: String(await freePort()),
    BORG_TEMPORAL_CLI: inject('temporalCli'),
  };
}

/** A readable file without execute permission, as a mistyped BORG_TEMPORAL_CLI might name. */
const notAProgram = join(tempDir('borg-cli-'), 'temporal.txt');
writeFileSync(notAProgram, 'not a program\n', { mode: 0o644 });

describe('npm start', () => {
  it('brings up embedded Temporal, worker and API, reports ready, and leaves nothing behind on SIGTERM', async () => {
    const env = await embeddedEnv();
    const { BORG_DATA_DIR: dataDir, BORG_API_PORT: apiPort, BORG_TEMPORAL_UI_PORT: uiPort } = env;
    const run = runScript('start', env);
    await run.waitForOutput('Press Ctrl-C to stop.');
    expect(run.output()).toContain(`API          http://127.0.0.1:${apiPort}`);
    expect(run.output()).toContain(`API docs     http://127.0.0.1:${apiPort}/docs`);
    expect(run.output()).toContain(`Temporal UI  http://127.0.0.1:${uiPort}`);

    // First start: an admin key is printed once and works.
    const adminKey = /Admin key {4}(bok_\S+)/.exec(run.output())?.[1];
    expect(adminKey).toBeDefined();
    const engines = await fetch(`http://127.0.0.1:${apiPort}/engines`, { headers: { authorization: `Bearer ${adminKey}` } });
    expect(engines.status).toBe(200);

    const health = await fetch(`http://127.0.0.1:${apiPort}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ready: true });
    const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
    expect(ui.status).toBe(200);

    const family = descendants(run.child.pid!);
    expect(family.length).toBeGreaterThanOrEqual(2);
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(await survivors(family)).toEqual([]);
    expect(run.output()).toMatch(/"part":"database","msg":"stopped"/);
    // The database was checkpointed and closed: it opens and holds the migrated schema.
    const db = openDatabase(join(dataDir, 'borg.db'));
    expect(db.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({ v: readMigrations().length });
    db.close();
  });

  it('starts again after a SIGKILL left its embedded Temporal server running', async () => {
    const env = await embeddedEnv();
    const first = runScript('start', env);
    await first.waitForOutput('Press Ctrl-C to stop.');
    const family = descendants(first.child.pid!);
    // What `kill -9` on the terminal's process group does: the server, in a group of its own, is not in it.
    process.kill(-first.child.pid!, 'SIGKILL');
    await first.exited;
    const left = await survivors(family, 1000);
    expect(left.some((cmd) => cmd.includes('start-dev'))).toBe(true);

    const second = runScript('start', env);
    await second.waitForOutput('Press Ctrl-C to stop.');
    // The log goes through pino's transport thread, so it may trail the banner.
    await second.waitForOutput(/"msg":"stopped the embedded Temporal server an earlier run left behind when it was killed"/, 10_000);
    // It shut down cleanly: its output went to a file, so it did not die of SIGPIPE on the first line it wrote.
    expect(readFileSync(join(env.BORG_DATA_DIR, 'temporal.db.log.1'), 'utf8')).toContain('Stopping server...');
    const family2 = descendants(second.child.pid!);
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(await survivors([...family, ...family2])).toEqual([]);
  });

  it('refuses a second start on the same data dir and leaves the running one serving', async () => {
    const env = await embeddedEnv();
    const first = runScript('start', env);
    await first.waitForOutput('Press Ctrl-C to stop.');
    const second = runScript('start', { ...env, BORG_API_PORT: String(await freePort()) });
    expect((await second.exited).code).toBe(1);
    const owner = /belongs to a BorgOS that is still running \(pid (\d+)\)/.exec(second.output())?.[1];
    expect(descendants(first.child.pid!)).toContain(Number(owner));
    expect(second.output()).toContain(
      `borg: the embedded Temporal server on ${join(env.BORG_DATA_DIR, 'temporal.db')} belongs to a BorgOS that is still running (pid ${owner}); stop it first or give this one another BORG_DATA_DIR`,
    );
    const health = await fetch(`http://127.0.0.1:${env.BORG_API_PORT}/health`);
    expect(await health.json()).toMatchObject({ ready: true, checks: { temporal: { ok: true } } });
    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
  });

  it('lets exactly one of two starts launched at the same instant on one data dir run', async () => {
    const env = await embeddedEnv();
    const envs = [env, { ...env, BORG_API_PORT: String(await freePort()) }];
    const runs = envs.map((e) => runScript('start', e));
    const first = await Promise.race(runs.map((run, i) => run.exited.then(() => i)));
    const [refused, serving] = [runs[first]!, runs[1 - first]!];
    expect((await refused.exited).code).toBe(1);
    expect(refused.output()).toMatch(
      /borg: the embedded Temporal server on \S+ belongs to a BorgOS that is (still running \(pid \d+\)|starting it right now)/,
    );
    await serving.waitForOutput('Press Ctrl-C to stop.');
    const health = await fetch(`http://127.0.0.1:${envs[1 - first]!.BORG_API_PORT}/health`);
    expect(await health.json()).toMatchObject({ ready: true, checks: { temporal: { ok: true } } });
    serving.child.kill('SIGTERM');
    expect(await serving.exited).toEqual({ code: 0, signal: null });
  });

  it.each([
    ['start', 'npm start'],
    ['start:api', 'npm run start:api'],
    ['start:worker', 'npm run start:worker'],
    ['db:migrate', 'npm run db:migrate'],
  ])('npm run %s -- --help prints its usage and the settings it reads, and starts and creates nothing', async (script, command) => {
    const dataDir = join(tempDir('borg-help-'), 'data');
    const run = runScript(script, { BORG_DATA_DIR: dataDir }, ['--help']);
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.output()).toMatch(new RegExp(`^usage: ${command}\n`));
    expect(run.output()).toMatch(/^ {2}BORG_DATA_DIR +Directory for the SQLite database .*; default \.\/data$/m);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses an argument it does not take, with exit code 2', async () => {
    const run = runScript('db:migrate', { BORG_DATA_DIR: join(tempDir('borg-help-'), 'data') }, ['--force']);
    expect(await run.exited).toEqual({ code: 2, signal: null });
    expect(run.output().trim()).toBe(
      'borg-migrate: unexpected argument "--force"; it is configured by environment variables only (see --help)',
    );
  });

  it.each([
    [{ BORG_API_PORT: 'abc' }, 'borg: BORG_API_PORT="abc" is invalid: expected an integer port from 0 to 65535'],
    [
      { BORG_LOG_LEVEL: 'chatty' },
      'borg: BORG_LOG_LEVEL="chatty" is invalid: expected one of fatal, error, warn, info, debug, trace, silent',
    ],
    [
      { BORG_DATA_DIR: '/proc/borg/data' },
      'borg: BORG_DATA_DIR="/proc/borg/data" is invalid: expected a directory BorgOS can create, read and write (ENOENT)',
    ],
    [
      { BORG_API_HOST: '999.999.1.1' },
      'borg: BORG_API_HOST="999.999.1.1" is invalid: expected a hostname or IP address; this is no IPv4 address',
    ],
    [{ BORG_TEMPORAL_CLI: notAProgram }, `borg: BORG_TEMPORAL_CLI="${notAProgram}" is invalid: expected an executable file (EACCES)`],
  ])('refuses to start on %j with one line and exit code 2, and creates nothing', async (env, line) => {
    const dataDir = join(tempDir('borg-refused-'), 'data');
    const run = runScript('start', { BORG_DATA_DIR: dataDir, ...env });
    expect(await run.exited).toEqual({ code: 2, signal: null });
    expect(run.output().trim()).toBe(line);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('names the port when the API port is taken', async () => {
    const dataDir = tempDir('borg-start-');
    const first = runScript('start:api', {
      BORG_DATA_DIR: dataDir,
      BORG_API_PORT: String(await freePort()),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
    });
    await first.waitForOutput('API ready');
    const port = /"api":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(first.output())![1]!;
    const second = runScript('start:api', { BORG_DATA_DIR: tempDir(), BORG_API_PORT: port, TEMPORAL_ADDRESS: inject('temporalAddress') });
    expect((await second.exited).code).toBe(1);
    expect(second.output()).toContain(`borg-api: BORG_API_PORT ${port} on 127.0.0.1 cannot be used (EADDRINUSE); choose another port`);
    first.child.kill('SIGINT');
    expect(await first.exited).toEqual({ code: 0, signal: null });
  });

  it.each(['10.99.99.99', 'nowhere.invalid'])('names BORG_API_HOST in one line when %s is no address of this machine', async (host) => {
    const run = runScript('start:api', {
      BORG_DATA_DIR: tempDir(),
      BORG_API_HOST: host,
      BORG_API_PORT: '0',
      TEMPORAL_ADDRESS: inject('temporalAddress'),
    });
    expect((await run.exited).code).toBe(1);
    expect(run.output()).toMatch(
      new RegExp(
        `^borg-api: BORG_API_HOST ${host} is not an address of this machine \\((EADDRNOTAVAIL|ENOTFOUND|EAI_AGAIN)\\); use one it has, e\\.g\\. 127\\.0\\.0\\.1, or 0\\.0\\.0\\.0 for all$`,
        'm',
      ),
    );
    expect(run.output()).not.toMatch(/^\s+at /m);
  });

  it('refuses a database from a newer BorgOS and leaves it untouched', async () => {
    const dataDir = tempDir('borg-start-');
    const db = openDatabase(join(dataDir, 'borg.db'));
    db.exec(
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT; INSERT INTO schema_migrations VALUES (99, 'future', 'x', 'now');",
    );
    db.close();
    const run = runScript('start', { BORG_DATA_DIR: dataDir, TEMPORAL_ADDRESS: inject('temporalAddress') });
    expect((await run.exited).code).toBe(1);
    expect(run.output()).toContain(`database schema is at version 99 but this BorgOS knows only up to ${readMigrations().length}`);
    const after = openDatabase(join(dataDir, 'borg.db'));
    expect(after.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: 1 });
    after.close();
  });
});

describe('npm run start:worker', () => {
  it('runs the worker alone against TEMPORAL_ADDRESS and stops on SIGINT', async () => {
    const run = runScript('start:worker', {
      BORG_DATA_DIR: tempDir(),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: 'solo-worker',
    });
    await run.waitForOutput('worker polling');
    run.child.kill('SIGINT');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.output()).toMatch(/"part":"worker","msg":"stopped"/);
  });

  it('names TEMPORAL_ADDRESS in one line, without a stack, when nothing answers there', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const run = runScript('start:worker', { BORG_DATA_DIR: tempDir(), TEMPORAL_ADDRESS: address });
    expect((await run.exited).code).toBe(1);
    expect(run.output()).toMatch(new RegExp(`^borg-worker: Temporal at ${address} \\(TEMPORAL_ADDRESS\\) failed the first call .*$`, 'm'));
    expect(run.output()).not.toMatch(/^\s+at /m);
  });
});
