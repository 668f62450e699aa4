import { createPublicKey, hash } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { jwkThumbprint } from '../dpop/thumbprint.js';

/** What a device key is, in the words that refuse another. */
export const DEVICE_KEY_RULE = 'an Ed25519 public key: the standard base64 of its SPKI DER encoding';

/** A device's Ed25519 key: what it enrolls with, and the key every DPoP proof of it is made with. */
export interface DeviceKey {
  /** Standard base64 of the SPKI DER, as the agent sends it and as it is stored. */
  spki: string;
  /** Lowercase hex SHA-256 of the SPKI DER: the device's fingerprint, in `enroll-<fingerprint>`. */
  fingerprint: string;
  /** RFC 7638 thumbprint of the key as a JWK: the `cnf.jkt` of the device's tokens. */
  jkt: string;
  key: KeyObject;
}

/** Standard base64 that decodes and encodes back to itself (Node's decoder skips what it does not know). */
export function decodeBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  return bytes.length > 0 && bytes.toString('base64') === text ? bytes : undefined;
}

/** The fingerprint of a device key: the SHA-256 of its SPKI DER encoding, in lowercase hex. */
export function fingerprintOf(spkiDer: Buffer): string {
  return hash('sha256', spkiDer, 'hex');
}

/**
 * Reads a device key sent as the standard base64 of its SPKI DER encoding. Only the canonical forms pass: base64
 * that encodes back to itself, and DER that node:crypto encodes back to the same bytes, so one key has one
 * fingerprint whoever computes it.
 */
export function parseDeviceKey(spki: string): DeviceKey | { problem: string } {
  const der = decodeBase64(spki);
  if (!der) return { problem: `must be ${DEVICE_KEY_RULE}; this is not standard base64` };
  let key: KeyObject;
  try {
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    return { problem: `must be ${DEVICE_KEY_RULE}; this is not an SPKI public key` };
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    return { problem: `must be ${DEVICE_KEY_RULE}; this key's type is ${key.asymmetricKeyType ?? 'unknown'}` };
  }
  if (!key.export({ format: 'der', type: 'spki' }).equals(der)) {
    return { problem: `must be ${DEVICE_KEY_RULE}; this one is not in its canonical DER form` };
  }
  const { x } = key.export({ format: 'jwk' });
  return { spki, fingerprint: fingerprintOf(der), jkt: jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: x! }), key };
}
