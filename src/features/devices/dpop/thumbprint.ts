import { hash } from 'node:crypto';

/** The public members of a key this feature accepts: Ed25519 (OKP) or P-256 (EC). */
export interface PublicJwk {
  kty: 'OKP' | 'EC';
  crv: 'Ed25519' | 'P-256';
  x: string;
  y?: string;
}

/**
 * The RFC 7638 SHA-256 thumbprint, base64url: the key's required members only, in lexicographic order, no
 * white space. Their values are base64url and fixed names, so JSON.stringify writes exactly that form.
 * Synchronous, unlike jose's, because it runs on every device call.
 */
export function jwkThumbprint(jwk: PublicJwk): string {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return hash('sha256', JSON.stringify(members), 'base64url');
}
