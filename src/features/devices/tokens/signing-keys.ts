import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from '../../../core/errors.js';
import { jwkThumbprint } from '../dpop/thumbprint.js';
import { RETIRED_KEY_KEEP_S } from './lifetimes.js';

/**
 * Where the keys that sign device access tokens live: one file in the data dir, mode 0600 (readable and
 * writable by the service's user only), never in the database, so no copy or backup of the database can mint
 * tokens. The file is refused if group or others may read it. It lists keys newest first: the first signs,
 * every listed key verifies. API replicas must share the file (the data dir) to verify each other's tokens.
 */
export function tokenKeysFile(dataDir: string): string {
  return join(dataDir, 'device-token-keys.json');
}

interface StoredKey {
  kid: string;
  created_at: string;
  /** When a newer key took over signing; the key is dropped from the file RETIRED_KEY_KEEP_S later. */
  retired_at: string | null;
  private_jwk: JsonWebKey;
}

/** A verifying key as `/.well-known/jwks.json` serves it. */
export interface PublicSigningJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

export interface SigningKey {
  kid: string;
  key: KeyObject;
}

interface KeyRing {
  signing: SigningKey;
  verifying: Map<string, KeyObject>;
  jwks: PublicSigningJwk[];
}

function newStoredKey(now: number): StoredKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const privateJwk = privateKey.export({ format: 'jwk' });
  return {
    kid: jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: privateJwk.x! }),
    created_at: new Date(now).toISOString(),
    retired_at: null,
    private_jwk: privateJwk,
  };
}

function readStoredKeys(file: string): StoredKey[] {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new StartupError(`${file} holds token signing keys but has mode ${mode.toString(8)}: run chmod 600 on it`);
  }
  try {
    const { keys } = JSON.parse(readFileSync(file, 'utf8')) as { keys: StoredKey[] };
    if (!Array.isArray(keys) || keys.length === 0) throw new Error('no keys');
    return keys;
  } catch (err) {
    throw new StartupError(`${file} is not a token key file: ${(err as Error).message}`, { cause: err });
  }
}

function keyRing(file: string, stored: StoredKey[]): KeyRing {
  const verifying = new Map<string, KeyObject>();
  const jwks: PublicSigningJwk[] = [];
  let signing: SigningKey | undefined;
  for (const k of stored) {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: k.private_jwk, format: 'jwk' });
    } catch (err) {
      throw new StartupError(`${file}: key ${k.kid} is not an Ed25519 private key`, { cause: err });
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new StartupError(`${file}: key ${k.kid} is not an Ed25519 private key`);
    signing ??= { kid: k.kid, key };
    const publicKey = createPublicKey(key);
    verifying.set(k.kid, publicKey);
    const { x } = publicKey.export({ format: 'jwk' });
    jwks.push({ kty: 'OKP', crv: 'Ed25519', x: x!, kid: k.kid, alg: 'EdDSA', use: 'sig' });
  }
  return { signing: signing!, verifying, jwks };
}

/**
 * Writes the key file through a temporary file with mode 0600, flushed to disk, then moved into place: readers
 * see the old file or the new one, never a part. `replace: false` creates the file only if none exists (a
 * hard link fails on an existing name), so two processes starting on a new data dir agree on one first key.
 */
function writeKeyFile(file: string, keys: StoredKey[], replace: boolean): void {
  const temp = `${file}.${randomUUID()}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify({ keys }, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (replace) renameSync(temp, file);
    else linkSync(temp, file);
  } finally {
    // Gone already after a rename; still there after a link or a failure.
    rmSync(temp, { force: true });
  }
}

function fileVersion(file: string): string {
  const s = statSync(file);
  return `${s.ino}:${s.mtimeMs}:${s.size}`;
}

/**
 * Starts signing with a new key and keeps the current one verifying until the last token it can have signed
 * has expired; keys retired longer ago than that are dropped. Running services pick the change up on their
 * next use of the file. Returns the new key's kid.
 */
export function rotateTokenKeys(file: string, now: number = Date.now()): string {
  const retiredAt = new Date(now).toISOString();
  const oldest = new Date(now - RETIRED_KEY_KEEP_S * 1000).toISOString();
  const kept = readStoredKeys(file)
    .map((k) => ({ ...k, retired_at: k.retired_at ?? retiredAt }))
    .filter((k) => k.retired_at >= oldest);
  const next = newStoredKey(now);
  writeKeyFile(file, [next, ...kept], true);
  return next.kid;
}

/**
 * The token key set of one process, read from the key file (created with a first key if missing). It re-reads
 * the file when it has changed, checked before each signing and on an unknown kid, so a rotation reaches a
 * running API without a restart.
 */
export class DeviceTokenKeys {
  private ring: KeyRing;
  private version: string;

  private constructor(private readonly file: string) {
    this.version = fileVersion(file);
    this.ring = keyRing(file, readStoredKeys(file));
  }

  static open(file: string, now: number = Date.now()): DeviceTokenKeys {
    try {
      writeKeyFile(file, [newStoredKey(now)], false);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    return new DeviceTokenKeys(file);
  }

  signingKey(): SigningKey {
    this.reloadIfChanged();
    return this.ring.signing;
  }

  verifyingKey(kid: string): KeyObject | undefined {
    const key = this.ring.verifying.get(kid);
    if (key || !this.reloadIfChanged()) return key;
    return this.ring.verifying.get(kid);
  }

  /** The public keys, for `/.well-known/jwks.json`. */
  jwks(): { keys: PublicSigningJwk[] } {
    this.reloadIfChanged();
    return { keys: this.ring.jwks };
  }

  private reloadIfChanged(): boolean {
    const version = fileVersion(this.file);
    if (version === this.version) return false;
    this.ring = keyRing(this.file, readStoredKeys(this.file));
    this.version = version;
    return true;
  }
}
