import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from '../../../core/errors.js';

/**
 * The key that signs job payloads for devices (Ed25519, PKCS#8 PEM in `<dataDir>/job-signing-key.pem`, mode
 * 0600). Devices learn its public half at enrollment (`signing_key`) and refuse any payload it did not sign.
 */
export function jobSigningKeyFile(dataDir: string): string {
  return join(dataDir, 'job-signing-key.pem');
}

/** Writes a new key through a temporary file and a hard link, which fails on an existing name: of two processes starting together, one key wins. */
function createKeyFile(file: string): void {
  const temp = `${file}.${randomUUID()}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(temp, { force: true });
  }
}

/** The job signing key, made on first use; refused if others may read it. */
export function openJobSigningKey(file: string): { privateKey: KeyObject; publicKey: string } {
  if (!existsSync(file)) createKeyFile(file);
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new StartupError(`${file} holds the job signing key but has mode ${mode.toString(8)}: run chmod 600 on it`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(file));
  } catch (err) {
    throw new StartupError(`${file} is not a PEM private key`, { cause: err });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new StartupError(`${file} must hold an Ed25519 key`);
  return { privateKey, publicKey: createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64') };
}
