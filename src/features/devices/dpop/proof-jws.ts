import { createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { dpopRefused } from './errors.js';
import type { PublicJwk } from './thumbprint.js';

/** The decoded parts of a compact JWS; nothing in it is trusted until `verifySignature` passes. */
export interface CompactJws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

/** The algorithms a proof may use, each with the one key type it takes: asymmetric only, never `none` or an HMAC. */
const ALGORITHMS = {
  EdDSA: { kty: 'OKP', crv: 'Ed25519', digest: null },
  ES256: { kty: 'EC', crv: 'P-256', digest: 'sha256' },
} as const;

export type ProofAlgorithm = keyof typeof ALGORITHMS;

// Both algorithms give 64-byte signatures (ES256 as R || S, RFC 7518 §3.4).
const SIGNATURE_BYTES = 64;
// A proof is a small header with a public key and a few claims; the cap bounds the work a hostile header costs.
const MAX_PROOF_CHARS = 4096;
// The signature may be empty so that an unsecured JWS (alg none) is refused by name, at the alg check.
const COMPACT = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/;
// Members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4).
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
// A device signs every proof with the same key: importing it once saves a JWK parse and a point check per call.
const IMPORTED_KEYS_CAPACITY = 10_000;
const importedKeys = new Map<string, KeyObject>();

function importKey(jwk: PublicJwk): KeyObject {
  const id = `${jwk.crv}.${jwk.x}.${jwk.y ?? ''}`;
  let key = importedKeys.get(id);
  if (!key) {
    key = createPublicKey({ key: { ...jwk }, format: 'jwk' });
    // The oldest import goes first: a Map iterates in insertion order.
    if (importedKeys.size >= IMPORTED_KEYS_CAPACITY) importedKeys.delete(importedKeys.keys().next().value!);
    importedKeys.set(id, key);
  }
  return key;
}

function jsonObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** One well-formed compact JWS (three base64url parts, header and payload JSON objects), or a refusal. */
export function parseCompactJws(value: string): CompactJws {
  const parts = value.length <= MAX_PROOF_CHARS ? COMPACT.exec(value) : null;
  const header = parts && jsonObject(parts[1]!);
  const payload = parts && jsonObject(parts[2]!);
  if (!parts || !header || !payload) throw dpopRefused('jws', 'the DPoP header must hold one compact JWS with a JSON header and payload');
  // A critical extension is one this server does not implement, so the proof cannot be understood (RFC 7515 §4.1.11).
  if (Object.hasOwn(header, 'crit')) throw dpopRefused('jws', 'crit names extensions this server does not support');
  return { header, payload, signingInput: `${parts[1]}.${parts[2]}`, signature: Buffer.from(parts[3]!, 'base64url') };
}

export function proofAlgorithm(header: Record<string, unknown>): ProofAlgorithm {
  const alg = header.alg;
  if (typeof alg !== 'string' || !Object.hasOwn(ALGORITHMS, alg)) {
    throw dpopRefused('alg', `alg must be one of ${Object.keys(ALGORITHMS).join(', ')}`);
  }
  return alg as ProofAlgorithm;
}

/** The header's `jwk` as a public key of the algorithm's type, refusing any private or symmetric key material. */
export function proofKey(header: Record<string, unknown>, alg: ProofAlgorithm): { jwk: PublicJwk; key: KeyObject } {
  const jwk = header.jwk;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
    throw dpopRefused('jwk', 'the header must carry the public key as jwk');
  const members = jwk as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((m) => Object.hasOwn(members, m))) throw dpopRefused('jwk_private', 'jwk must not contain private key material');
  const { kty, crv } = ALGORITHMS[alg];
  const coordinates = kty === 'EC' ? [members.x, members.y] : [members.x];
  if (members.kty !== kty || members.crv !== crv || !coordinates.every((c) => typeof c === 'string')) {
    throw dpopRefused('jwk', `jwk must be an ${kty} ${crv} public key for ${alg}`);
  }
  const publicJwk: PublicJwk =
    kty === 'EC' ? { kty, crv, x: members.x as string, y: members.y as string } : { kty, crv, x: members.x as string };
  try {
    return { jwk: publicJwk, key: importKey(publicJwk) };
  } catch {
    throw dpopRefused('jwk', `jwk is not a valid ${crv} public key`);
  }
}

export function verifySignature(jws: CompactJws, alg: ProofAlgorithm, key: KeyObject): void {
  let valid = false;
  if (jws.signature.length === SIGNATURE_BYTES) {
    try {
      valid = verify(ALGORITHMS[alg].digest, Buffer.from(jws.signingInput), { key, dsaEncoding: 'ieee-p1363' }, jws.signature);
    } catch {
      valid = false;
    }
  }
  if (!valid) throw dpopRefused('signature', 'the signature does not verify with the header jwk');
}
