import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CREDENTIALS_FILE, CredentialsStore, InsecureFileError } from '../../../device/client/index.js';
import type { Credentials } from '../../../device/client/index.js';
import { tempDir } from '../../support/stack.js';

const credentials: Credentials = {
  deviceId: 'dev_1',
  accessToken: 'at-1',
  accessTokenExpiresAt: Date.parse('2030-01-01T00:15:00.000Z'),
  refreshToken: 'rt-1',
  signingKey: 'MCowBQYDK2VwAyEA',
};

describe('the credentials store', () => {
  it('writes credentials.json with mode 0600 in the wire spelling, and a new store reads them back', async () => {
    const stateDir = join(tempDir(), 'agent');
    await new CredentialsStore(stateDir).set({ ...credentials, dpopNonce: 'n-1' });
    const file = join(stateDir, CREDENTIALS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      device_id: 'dev_1',
      access_token: 'at-1',
      access_token_expires_at: '2030-01-01T00:15:00.000Z',
      refresh_token: 'rt-1',
      signing_key: 'MCowBQYDK2VwAyEA',
      dpop_nonce: 'n-1',
    });
    expect(await new CredentialsStore(stateDir).get()).toEqual({ ...credentials, dpopNonce: 'n-1' });
    expect(readdirSync(stateDir)).toEqual([CREDENTIALS_FILE]);
  });

  it('has no credentials before the first write', async () => {
    expect(await new CredentialsStore(tempDir()).get()).toBeUndefined();
  });

  it('refuses a credentials file group or others may read, and one that is not its JSON', async () => {
    const stateDir = tempDir();
    await new CredentialsStore(stateDir).set(credentials);
    const file = join(stateDir, CREDENTIALS_FILE);
    chmodSync(file, 0o644);
    await expect(new CredentialsStore(stateDir).get()).rejects.toThrow(InsecureFileError);
    chmodSync(file, 0o600);
    writeFileSync(file, '{"device_id":"dev_1"}');
    await expect(new CredentialsStore(stateDir).get()).rejects.toThrow(`${file}: access_token must be a non-empty string`);
    writeFileSync(file, '{');
    await expect(new CredentialsStore(stateDir).get()).rejects.toThrow(`${file} is not JSON`);
  });
});
