import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InsecureFileError, KEY_FILE, agentPubkey, fingerprint, loadOrCreateDeviceKey } from '../../../device/client/index.js';
import { tempDir } from '../../support/stack.js';

const mode = (file: string): number => statSync(file).mode & 0o777;

describe('the device key store', () => {
  it('generates an Ed25519 key on first use into a new 0700 directory, as PKCS#8 PEM with mode 0600', async () => {
    const stateDir = join(tempDir(), 'state', 'agent');
    const key = await loadOrCreateDeviceKey(stateDir);
    const file = join(stateDir, KEY_FILE);
    expect(mode(stateDir)).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
    expect(key.privateKey.asymmetricKeyType).toBe('ed25519');
    const signature = sign(null, Buffer.from('hello'), key.privateKey);
    expect(verify(null, Buffer.from('hello'), createPublicKey(readFileSync(file)), signature)).toBe(true);
  });

  it('keeps the key: a second load reads the same one', async () => {
    const stateDir = tempDir();
    const first = await loadOrCreateDeviceKey(stateDir);
    const again = await loadOrCreateDeviceKey(stateDir);
    expect(again.fingerprint).toBe(first.fingerprint);
  });

  it('creates exactly one key when several callers race on first use, leaving no temporary files', async () => {
    const stateDir = tempDir();
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateDeviceKey(stateDir)));
    expect(new Set(keys.map((key) => key.fingerprint)).size).toBe(1);
    expect(readdirSync(stateDir)).toEqual([KEY_FILE]);
  });

  it.each([0o644, 0o640, 0o604, 0o660])('refuses a key file with mode 0%s, saying how to fix it', async (bad) => {
    const stateDir = tempDir();
    await loadOrCreateDeviceKey(stateDir);
    const file = join(stateDir, KEY_FILE);
    chmodSync(file, bad);
    const refusal = loadOrCreateDeviceKey(stateDir);
    await expect(refusal).rejects.toThrow(InsecureFileError);
    await expect(refusal).rejects.toThrow(
      `refusing to use ${file}: group or others may access it (mode 0${bad.toString(8)}); it must be 0600: chmod 600 ${file}`,
    );
    // The file is left as it was: the key is not replaced by a new one.
    expect(mode(file)).toBe(bad);
  });

  it('refuses a key file that is not a PEM private key, or not an Ed25519 key', async () => {
    const stateDir = tempDir();
    writeFileSync(join(stateDir, KEY_FILE), 'not a key\n', { mode: 0o600 });
    await expect(loadOrCreateDeviceKey(stateDir)).rejects.toThrow(`${join(stateDir, KEY_FILE)} does not hold a PEM private key`);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(stateDir, KEY_FILE), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await expect(loadOrCreateDeviceKey(stateDir)).rejects.toThrow('holds an ec key; the device key must be Ed25519');
  });

  it('names the device by agent_pubkey (base64 SPKI DER, 44 bytes) and fingerprint (hex SHA-256 of that DER)', async () => {
    const key = await loadOrCreateDeviceKey(tempDir());
    const der = key.publicKey.export({ type: 'spki', format: 'der' });
    expect(der).toHaveLength(44);
    expect(key.agentPubkey).toBe(der.toString('base64'));
    expect(agentPubkey(key.publicKey)).toBe(key.agentPubkey);
    expect(key.fingerprint).toBe(createHash('sha256').update(der).digest('hex'));
    expect(fingerprint(key.publicKey)).toMatch(/^[0-9a-f]{64}$/);
    expect(key.jwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: der.subarray(12).toString('base64url') });
  });
});
