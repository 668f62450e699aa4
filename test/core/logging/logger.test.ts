import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REFUSALS_LOGGED_PER_MINUTE } from '../../../src/http/plugins/auth.js';
import { loadConfig } from '../../../src/core/config/config.js';
import { engineLedgers } from '../../../src/features/engines/services/ledgers.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { startTestApi, tempDir } from '../../support/stack.js';
import type { TestApi } from '../../support/stack.js';

interface Line {
  msg: string;
  request_id?: string;
  [key: string]: unknown;
}

function readLines(file: string): Line[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
}

/** Up to 10 s (the log thread shares a busy machine), then the caller's assertions say what the log holds. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
}

describe('request logging to BORG_LOG_FILE', () => {
  const dir = tempDir('borg-log-');
  const file = join(dir, 'borg.log');
  const current = join(dir, 'current.log');
  let api: TestApi;

  beforeAll(async () => {
    const config = loadConfig({ BORG_DATA_DIR: dir, BORG_LOG_FILE: file, BORG_LOG_LEVEL: 'info' });
    api = await startTestApi(inject('temporalAddress'), {}, createLogger(config));
  });
  afterAll(() => api.close());

  it('tags every line of a request with its request_id and redacts secrets', async () => {
    await fetch(`${api.url}/health`, { headers: { 'x-request-id': 'req-42', authorization: 'Bearer s3cr3t' } });
    api.server.app.log.info({ user: { password: 'hunter2', name: 'ann' } }, 'login attempt');
    await until(() => existsSync(current) && readLines(current).some((l) => l.msg === 'login attempt'));
    const lines = readLines(current);
    const ofRequest = lines.filter((l) => l.request_id === 'req-42');
    expect(ofRequest).toEqual([expect.objectContaining({ msg: 'request completed', method: 'GET', url: '/health', status: 200 })]);
    const text = readFileSync(current, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('s3cr3t');
    expect(lines.find((l) => l.msg === 'login attempt')).toMatchObject({ user: { password: '[redacted]', name: 'ann' } });
  });

  it('warns of refused engine credentials, even on the quiet check route, without the key', async () => {
    const { engines } = engineLedgers(api.db);
    const by = { actor: 'test', requestId: null };
    const { engine, key } = engines.register(by, { name: 'log-watch', description: '', capabilities: [] });
    engines.setStatus(by, engine.id, 'revoked');
    const check = (id: string, secret: string, requestId: string) =>
      fetch(`${api.url}/actions/check`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-engine-id': id, 'x-engine-key': secret, 'x-request-id': requestId },
        body: JSON.stringify({ engine_id: id, platform: 'gmail', action_type: 'send_email' }),
      });
    expect((await check(engine.id, key, 'req-revoked')).status).toBe(401);
    expect((await check(engine.id, 'bek_guessed', 'req-guessed')).status).toBe(401);
    const refused = () => readLines(current).filter((l) => l.msg === 'engine credentials refused');
    await until(() => existsSync(current) && refused().length === 2);
    expect(refused()).toEqual([
      expect.objectContaining({ level: 40, request_id: 'req-revoked', engine_id: engine.id, code: 'ENGINE_REVOKED' }),
      expect.objectContaining({ level: 40, request_id: 'req-guessed', engine_id: engine.id, code: 'ENGINE_AUTH_FAILED' }),
    ]);
    expect(readFileSync(current, 'utf8')).not.toContain(key);
  });

  it('writes the completion line for requests the router refuses, too', async () => {
    for (const [id, path] of [
      ['req-url', '/engines/%zz'],
      ['req-long', `/engines/${'x'.repeat(200)}`],
    ]) {
      expect((await fetch(`${api.url}${path}`, { headers: { 'x-request-id': id! } })).status).toBe(400);
    }
    await until(
      () =>
        existsSync(current) &&
        readLines(current).filter((l) => l.msg === 'request completed' && ['req-url', 'req-long'].includes(l.request_id ?? '')).length ===
          2,
    );
    const completed = readLines(current).filter((l) => l.msg === 'request completed');
    expect(completed.find((l) => l.request_id === 'req-url')).toMatchObject({
      method: 'GET',
      url: '/engines/%zz',
      status: 400,
      ms: expect.any(Number),
    });
    expect(completed.find((l) => l.request_id === 'req-long')).toMatchObject({ method: 'GET', status: 400 });
  });
});

describe('refused engine credentials, logged on a budget', () => {
  it(`logs ${REFUSALS_LOGGED_PER_MINUTE} a minute one by one and counts the rest in one line, written at shutdown at the latest`, async () => {
    const dir = tempDir('borg-log-');
    const current = join(dir, 'current.log');
    const config = loadConfig({ BORG_DATA_DIR: dir, BORG_LOG_FILE: join(dir, 'borg.log'), BORG_LOG_LEVEL: 'info' });
    const flood = await startTestApi(inject('temporalAddress'), {}, createLogger(config));
    const sent = REFUSALS_LOGGED_PER_MINUTE + 15;
    for (let i = 0; i < sent; i++) {
      const res = await fetch(`${flood.url}/actions/check`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-engine-id': 'eng_guess',
          'x-engine-key': `bek_${i}`,
          'x-request-id': `req-flood-${i}`,
        },
        body: '{}',
      });
      expect(res.status).toBe(401);
    }
    await flood.close();
    await until(() => existsSync(current) && readLines(current).some((l) => l.suppressed !== undefined));
    const refused = readLines(current).filter((l) => l.msg.startsWith('engine credentials refused'));
    expect(refused.slice(0, -1).map((l) => l.request_id)).toEqual(
      Array.from({ length: REFUSALS_LOGGED_PER_MINUTE }, (_, i) => `req-flood-${i}`),
    );
    expect(refused.at(-1)).toMatchObject({
      level: 40,
      suppressed: 15,
      msg: `engine credentials refused: 15 more in 60 s, beyond the ${REFUSALS_LOGGED_PER_MINUTE} logged one by one`,
    });
  });
});

describe('log rotation', () => {
  it('rolls the file over by size and keeps the configured count', async () => {
    const dir = tempDir('borg-rotate-');
    const file = join(dir, 'borg.log');
    const log = createLogger(
      loadConfig({
        BORG_DATA_DIR: dir,
        BORG_LOG_FILE: file,
        BORG_LOG_ROTATE_SIZE: '1k',
        BORG_LOG_ROTATE_KEEP: '2',
        BORG_LOG_LEVEL: 'info',
      }),
    );
    for (let batch = 0; batch < 8; batch++) {
      for (let i = 0; i < 10; i++) log.info({ batch, i, filler: 'x'.repeat(100) }, 'line');
      await new Promise<void>((resolve) => log.flush(() => resolve()));
      await new Promise((r) => setTimeout(r, 100));
    }
    const logs = () => readdirSync(dir).filter((f) => /^borg\.\d+\.log$/.test(f));
    await until(() => logs().length === 3);
    // The live file plus BORG_LOG_ROTATE_KEEP rotated ones; the oldest are deleted.
    expect(logs().length).toBe(3);
    expect(logs()).not.toContain('borg.1.log');
    const kept = logs()
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n').filter(Boolean))
      .map((l) => JSON.parse(l) as Line);
    expect(kept).toContainEqual(expect.objectContaining({ batch: 7, i: 9 }));
    expect(kept).not.toContainEqual(expect.objectContaining({ batch: 0 }));
  });
});
