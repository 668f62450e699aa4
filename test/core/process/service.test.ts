import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Db } from '../../../src/core/db/database.js';
import { readMigrations } from '../../../src/core/db/migrations.js';
import { StartupError } from '../../../src/core/errors.js';
import { runService } from '../../../src/core/process/service.js';
import { tempDir } from '../../support/stack.js';

const savedEnv = { ...process.env };
const signalListeners = () => [...process.listeners('SIGINT'), ...process.listeners('SIGTERM')];
const before = signalListeners();

afterEach(() => {
  vi.restoreAllMocks();
  process.env = { ...savedEnv };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal)) if (!before.includes(listener)) process.removeListener(signal, listener);
  }
});

/** Runs a service whose body fails on the way up, with exit and stderr captured. */
function failingService(env: Record<string, string>, body: (db: Db) => Promise<void>): Promise<{ code: number; stderr: string }> {
  Object.assign(process.env, env);
  let stderr = '';
  return new Promise((resolve) => {
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    vi.spyOn(process, 'exit').mockImplementation((code) => {
      resolve({ code: Number(code), stderr });
      return undefined as never;
    });
    runService('borg-test', {}, ({ db }) => body(db));
  });
}

describe('runService', () => {
  it('hands the body a migrated database and stops what started when the body fails', async () => {
    let seen: Db | undefined;
    const result = await failingService({ BORG_DATA_DIR: tempDir(), BORG_LOG_LEVEL: 'silent' }, async (db) => {
      seen = db;
      expect(db.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({ v: readMigrations().length });
      throw new StartupError('port taken');
    });
    expect(result).toEqual({ code: 1, stderr: 'borg-test: port taken\n' });
    expect(seen?.open).toBe(false);
  });

  it('stops before opening anything when the configuration is bad', async () => {
    let ran = false;
    const result = await failingService({ BORG_API_PORT: 'nope' }, async () => {
      ran = true;
    });
    expect(result).toEqual({ code: 2, stderr: 'borg-test: BORG_API_PORT="nope" is invalid: expected an integer port from 0 to 65535\n' });
    expect(ran).toBe(false);
  });
});
