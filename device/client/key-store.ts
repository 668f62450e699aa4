import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { agentPubkey, fingerprint, publicJwk } from './identity.js';
import type { PublicJwk } from './identity.js';
import { createPrivateFileOnce, ensurePrivateDir, readPrivateFile } from './private-files.js';

/** The file under the state directory that holds the device key, PKCS#8 PEM, mode 0600. */
export const KEY_FILE = 'device-key.pem';

/** The device's Ed25519 key pair: the enrollment key and the DPoP key. */
export interface DeviceKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** base64 SPKI DER, as `agent_pubkey` sends it. */
  agentPubkey: string;
  /** Lowercase hex SHA-256 of the SPKI DER. */
  fingerprint: string;
  jwk: PublicJwk;
}

/**
 * The device key from `<stateDir>/device-key.pem`, generated and stored on first use. The state directory is
 * created 0700 and the key file 0600; a key file that group or others may access is refused.
 */
export async function loadOrCreateDeviceKey(stateDir: string): Promise<DeviceKey> {
  const file = join(stateDir, KEY_FILE);
  await ensurePrivateDir(stateDir);
  let pem = await readPrivateFile(file);
  if (pem === undefined) {
    const { privateKey } = generateKeyPairSync('ed25519');
    // Another process may have created the key meanwhile: then its key is the device key, and ours is dropped.
    await createPrivateFileOnce(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    pem = await readPrivateFile(file);
    if (pem === undefined) throw new Error(`${file} vanished right after it was created`);
  }
  return deviceKey(parseKey(file, pem));
}

function parseKey(file: string, pem: Buffer): KeyObject {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new Error(`${file} does not hold a PEM private key: ${(error as Error).message}`, { cause: error });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`${file} holds an ${privateKey.asymmetricKeyType ?? 'unknown'} key; the device key must be Ed25519`);
  }
  return privateKey;
}

/** The public parts of a private key, computed once. */
export function deviceKey(privateKey: KeyObject): DeviceKey {
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, agentPubkey: agentPubkey(publicKey), fingerprint: fingerprint(publicKey), jwk: publicJwk(publicKey) };
}
