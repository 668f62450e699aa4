import { readdirSync, readFileSync } from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CREDENTIALS_FILE, CredentialsStore } from '../../../device/client/index.js';
import type { Credentials } from '../../../device/client/index.js';
import { tempDir } from '../../support/stack.js';

/** Every file operation the client makes, in order, with paths relative to the state directory. */
const journal: string[] = [];
let root = '';
let failRename = false;
/** While set, the next rename waits for it. */
let renameGate: Promise<void> | undefined;
const rel = (path: unknown): string => String(path).replace(`${root}/`, '').replace(root, '.');

// The real node:fs/promises, with open, rename and the file handles' writes and syncs journaled.
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof FsPromises>();
  return {
    ...fs,
    open: async (path: string, flags: string, mode?: number) => {
      const handle = await fs.open(path, flags, mode);
      journal.push(`open ${rel(path)} ${flags}${mode === undefined ? '' : ` ${mode.toString(8)}`}`);
      for (const name of ['writeFile', 'sync', 'close'] as const) {
        const original = handle[name].bind(handle) as (...args: unknown[]) => Promise<unknown>;
        Object.assign(handle, {
          [name]: async (...args: unknown[]) => {
            journal.push(`${name} ${rel(path)}`);
            return original(...args);
          },
        });
      }
      return handle;
    },
    rename: async (from: string, to: string) => {
      journal.push(`rename ${rel(from)} ${rel(to)}`);
      if (failRename) throw Object.assign(new Error('EIO: simulated failure, rename'), { code: 'EIO' });
      const gate = renameGate;
      renameGate = undefined;
      if (gate) await gate;
      return fs.rename(from, to);
    },
  };
});

const credentials: Credentials = {
  deviceId: 'dev_1',
  accessToken: 'at-1',
  accessTokenExpiresAt: Date.parse('2030-01-01T00:15:00.000Z'),
  refreshToken: 'rt-1',
  signingKey: 'MCowBQYDK2VwAyEA',
};

afterEach(() => {
  journal.length = 0;
  failRename = false;
});

describe('writing the credentials', () => {
  it('writes a 0600 temporary file beside them, flushes it, renames it over them, then flushes the directory', async () => {
    root = tempDir();
    await new CredentialsStore(root).set(credentials);
    const temp = journal[0]!.split(' ')[1]!;
    expect(temp).toMatch(/^\.credentials\.json\.\d+\.[0-9a-f]{12}\.tmp$/);
    expect(journal).toEqual([
      `open ${temp} wx 600`,
      `writeFile ${temp}`,
      `sync ${temp}`,
      `close ${temp}`,
      `rename ${temp} ${CREDENTIALS_FILE}`,
      'open . r',
      'sync .',
      'close .',
    ]);
  });

  it('leaves the old credentials whole, and no temporary file, when the write fails', async () => {
    root = tempDir();
    const store = new CredentialsStore(root);
    await store.set(credentials);
    const before = readFileSync(join(root, CREDENTIALS_FILE), 'utf8');
    failRename = true;
    await expect(store.update({ refreshToken: 'rt-2' })).rejects.toThrow('simulated failure, rename');
    expect(readFileSync(join(root, CREDENTIALS_FILE), 'utf8')).toBe(before);
    expect(readdirSync(root)).toEqual([CREDENTIALS_FILE]);
    // The next write goes through again and carries the change that failed to reach the disk.
    failRename = false;
    await store.update({ dpopNonce: 'n-1' });
    expect(JSON.parse(readFileSync(join(root, CREDENTIALS_FILE), 'utf8'))).toMatchObject({ refresh_token: 'rt-2', dpop_nonce: 'n-1' });
  });

  it('never lets an earlier, slower write put back a refresh token that was rotated since', async () => {
    root = tempDir();
    const store = new CredentialsStore(root);
    await store.set(credentials);
    // A DPoP nonce arrives and its write stalls before the rename; meanwhile a refresh rotates the token.
    let release = (): void => undefined;
    renameGate = new Promise((resolve) => (release = resolve));
    const nonceWrite = store.update({ dpopNonce: 'n-2' });
    const rotation = store.update({ refreshToken: 'rt-2', accessToken: 'at-2' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await Promise.all([nonceWrite, rotation]);
    expect(await new CredentialsStore(root).get()).toEqual({ ...credentials, refreshToken: 'rt-2', accessToken: 'at-2', dpopNonce: 'n-2' });
  });
});
