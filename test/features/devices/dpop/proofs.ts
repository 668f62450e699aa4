import { createHmac, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** A device's DPoP key pair, as a client holds it. */
export interface ProofKey {
  alg: 'EdDSA' | 'ES256';
  privateKey: KeyObject;
  /** The public JWK a proof carries in its header. */
  jwk: Record<string, string>;
}

export function proofKey(alg: 'EdDSA' | 'ES256' = 'EdDSA'): ProofKey {
  const { privateKey, publicKey } = alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { alg, privateKey, jwk: publicKey.export({ format: 'jwk' }) as Record<string, string> };
}

const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A compact JWS made by hand, as a client (or an attacker) could send it: `header` entries replace the
 * defaults (typ dpop+jwt, the key's alg and public jwk), and an undefined entry leaves one out.
 */
export function signProof(key: ProofKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const input = `${part({ typ: 'dpop+jwt', alg: key.alg, jwk: key.jwk, ...header })}.${part(claims)}`;
  const signature =
    key.alg === 'EdDSA'
      ? sign(null, Buffer.from(input), key.privateKey)
      : sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** An HS256 "proof": a symmetric key in the header and an HMAC for a signature. */
export function hmacProof(claims: Record<string, unknown>): string {
  const secret = randomBytes(32);
  const input = `${part({ typ: 'dpop+jwt', alg: 'HS256', jwk: { kty: 'oct', k: secret.toString('base64url') } })}.${part(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** The claims of a fresh proof for `POST https://borg.example.com/api/agent/heartbeat`. */
export function proofClaims(nowMs: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    jti: randomUUID(),
    htm: 'POST',
    htu: 'https://borg.example.com/api/agent/heartbeat',
    iat: Math.floor(nowMs / 1000),
    ...overrides,
  };
}
