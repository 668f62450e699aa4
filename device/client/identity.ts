import { createHash } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** The public half of an Ed25519 key as a JWK, the form a DPoP proof's header carries. */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
}

/** The DER bytes of a public key's SubjectPublicKeyInfo (44 bytes for Ed25519). */
export function spkiDer(publicKey: KeyObject): Buffer {
  return publicKey.export({ type: 'spki', format: 'der' });
}

/** `agent_pubkey`: base64 (standard, padded) of the public key's SPKI DER. */
export function agentPubkey(publicKey: KeyObject): string {
  return spkiDer(publicKey).toString('base64');
}

/** The device's fingerprint: lowercase hex SHA-256 of the public key's SPKI DER. */
export function fingerprint(publicKey: KeyObject): string {
  return createHash('sha256').update(spkiDer(publicKey)).digest('hex');
}

/** The public key as an OKP JWK, without any private member. */
export function publicJwk(publicKey: KeyObject): PublicJwk {
  const { x } = publicKey.export({ format: 'jwk' });
  if (publicKey.asymmetricKeyType !== 'ed25519' || typeof x !== 'string') throw new TypeError('the device key must be an Ed25519 key');
  return { kty: 'OKP', crv: 'Ed25519', x };
}
