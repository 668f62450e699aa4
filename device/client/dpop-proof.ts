import { createHash, randomUUID, sign } from 'node:crypto';
import type { DeviceKey } from './key-store.js';

export interface DpopProofInput {
  /** The HTTP method as sent; compared with `htm` exactly, so send it upper case. */
  method: string;
  /** The absolute request URL; the proof names it without query and fragment. */
  url: string | URL;
  /** At a resource: the access token sent with the proof, whose hash becomes `ath`. */
  accessToken?: string;
  /** The last `DPoP-Nonce` the server sent. */
  nonce?: string;
  /** Milliseconds since the epoch; default now. */
  now?: number;
}

/** `htu`: the request URL without its query and fragment. */
export function dpopHtu(url: string | URL): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/** `ath`: base64url of the SHA-256 of the access token. */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url');
}

/**
 * A DPoP proof (RFC 9449): a compact JWS signed with the device key (EdDSA), header
 * `{ typ: "dpop+jwt", alg: "EdDSA", jwk }`, payload `{ jti, htm, htu, iat, ath?, nonce? }`.
 */
export function createDpopProof(key: DeviceKey, input: DpopProofInput): string {
  const header = { typ: 'dpop+jwt', alg: 'EdDSA', jwk: key.jwk };
  const payload: Record<string, string | number> = {
    jti: randomUUID(),
    htm: input.method,
    htu: dpopHtu(input.url),
    iat: Math.floor((input.now ?? Date.now()) / 1000),
  };
  if (input.accessToken !== undefined) payload.ath = accessTokenHash(input.accessToken);
  if (input.nonce !== undefined) payload.nonce = input.nonce;
  const signingInput = `${base64url(header)}.${base64url(payload)}`;
  const signature = sign(null, Buffer.from(signingInput, 'ascii'), key.privateKey);
  return `${signingInput}.${signature.toString('base64url')}`;
}

const base64url = (value: object): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
