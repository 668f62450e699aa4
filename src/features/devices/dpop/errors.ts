import { DomainError } from '../../../core/errors.js';

/**
 * The RFC 9449 §4.3 check a proof failed, in `details.check`: the route layer answers every one with
 * `WWW-Authenticate: DPoP error="invalid_dpop_proof"` (401 at a resource, 400 at the token endpoint), and logs
 * which check it was.
 */
export type DpopCheck =
  'header' | 'jws' | 'typ' | 'alg' | 'jwk' | 'jwk_private' | 'signature' | 'jti' | 'htm' | 'htu' | 'iat' | 'ath' | 'jkt' | 'replay';

export function dpopRefused(check: DpopCheck, message: string): DomainError {
  return new DomainError('unauthenticated', 'invalid_dpop_proof', `DPoP proof refused: ${message}`, { check });
}

/**
 * A proof without a current server nonce (RFC 9449 §8, §9): code `use_dpop_nonce`, and `details.nonce` is the
 * nonce the route layer sends back in the `DPoP-Nonce` header for the client's retry.
 */
export function dpopNonceRequired(message: string, nonce: string): DomainError {
  return new DomainError('unauthenticated', 'use_dpop_nonce', `DPoP proof refused: ${message}`, { check: 'nonce', nonce });
}
