import { hash } from 'node:crypto';
import { dpopNonceRequired, dpopRefused } from './errors.js';
import { requestHtu, normaliseHtu } from './htu.js';
import type { RequestTarget } from './htu.js';
import type { DpopNonces } from './nonces.js';
import { parseCompactJws, proofAlgorithm, proofKey, verifySignature } from './proof-jws.js';
import type { DpopReplayRepository } from './replay-repository.js';
import { jwkThumbprint } from './thumbprint.js';
import type { PublicJwk } from './thumbprint.js';

/** A request carrying a DPoP proof, as the route layer reads it. */
export interface DpopRequest {
  /**
   * Every `DPoP` header value as received: pass `request.raw.headersDistinct.dpop`, because Node joins repeated
   * headers into one string in `headers`.
   */
  dpop: string | string[] | undefined;
  method: string;
  target: RequestTarget;
  /** At a resource: the access token sent with the proof, and the key thumbprint it is bound to (its `cnf.jkt`). */
  accessToken?: { token: string; jkt: string };
}

export interface DpopSettings {
  replays: DpopReplayRepository;
  /** How far `iat` may lie from the server's clock, either way, in seconds. A jti is remembered until `iat` + this. */
  iatWindowS: number;
  /** The API's public URL behind a proxy; when set, `htu` is checked against it instead of the request's scheme and host. */
  publicBaseUrl?: string;
  /** When set, every proof must carry a current server nonce (RFC 9449 §8). */
  nonces?: DpopNonces;
}

/** What a valid proof establishes: the key the caller holds. */
export interface DpopProof {
  jwk: PublicJwk;
  /** RFC 7638 thumbprint of `jwk`: what a token bound to this key carries as `cnf.jkt`. */
  jkt: string;
  jti: string;
  iat: number;
}

// Long enough for any random id a client makes; bounds what one replay-store row holds.
const MAX_JTI_CHARS = 256;

/** base64url(SHA-256(token)): a proof's `ath` for the access token it is sent with (RFC 9449 §4.2). */
export function accessTokenHash(token: string): string {
  return hash('sha256', token, 'base64url');
}

/**
 * Checks a DPoP proof as RFC 9449 §4.3 lists, in that order, and records its jti last, so only a proof that
 * passed every other check uses up its id. Throws a DomainError (`invalid_dpop_proof`, or `use_dpop_nonce`
 * when a server nonce is due) whose `details.check` names the failed check.
 */
export function verifyDpopProof(request: DpopRequest, settings: DpopSettings, nowMs: number = Date.now()): DpopProof {
  const values = typeof request.dpop === 'string' ? [request.dpop] : (request.dpop ?? []);
  if (values.length !== 1) throw dpopRefused('header', values.length === 0 ? 'no DPoP header' : 'more than one DPoP header');
  const jws = parseCompactJws(values[0]!);
  const { header, payload: claims } = jws;
  if (header.typ !== 'dpop+jwt') throw dpopRefused('typ', 'typ must be dpop+jwt');
  const alg = proofAlgorithm(header);
  const { jwk, key } = proofKey(header, alg);
  verifySignature(jws, alg, key);

  const { jti, htm, htu, iat } = claims;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_CHARS) {
    throw dpopRefused('jti', `jti must be a string of 1 to ${MAX_JTI_CHARS} characters`);
  }
  if (htm !== request.method) throw dpopRefused('htm', `htm must be the request method ${request.method}`);
  const expected = requestHtu(request.target, settings.publicBaseUrl);
  if (typeof htu !== 'string' || expected === undefined || normaliseHtu(htu) !== expected) {
    throw dpopRefused('htu', `htu must be the request URI ${expected ?? '(not in origin form)'} without query or fragment`);
  }
  const nowS = nowMs / 1000;
  if (typeof iat !== 'number' || !Number.isFinite(iat) || Math.abs(nowS - iat) > settings.iatWindowS) {
    throw dpopRefused('iat', `iat must be within ${settings.iatWindowS} s of the server's time`);
  }
  if (settings.nonces) {
    const { nonce } = claims;
    if (typeof nonce !== 'string' || !settings.nonces.accepts(nonce, nowMs)) {
      throw dpopNonceRequired(
        nonce === undefined ? 'a server nonce is required' : 'the nonce is not current',
        settings.nonces.issue(nowMs),
      );
    }
  }
  const jkt = jwkThumbprint(jwk);
  if (request.accessToken) {
    if (claims.ath !== accessTokenHash(request.accessToken.token)) throw dpopRefused('ath', 'ath must be the hash of the access token');
    if (jkt !== request.accessToken.jkt) throw dpopRefused('jkt', 'the proof key is not the key the access token is bound to');
  }
  const expiresAt = new Date((iat + settings.iatWindowS) * 1000).toISOString();
  if (!settings.replays.firstUse(jkt, jti, expiresAt)) throw dpopRefused('replay', 'this jti was already used');
  return { jwk, jkt, jti, iat };
}
