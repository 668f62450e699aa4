import { randomUUID } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from 'jose';
import { DomainError } from '../../../core/errors.js';
import { ACCESS_TOKEN_TTL_S } from './lifetimes.js';
import type { DeviceTokenKeys } from './signing-keys.js';

/** Who issues device access tokens and who they are for; both are checked on every verification. */
export interface TokenAudience {
  issuer: string;
  audience: string;
}

export interface AccessTokenClaims {
  iss: string;
  aud: string;
  /** The device id. */
  sub: string;
  jti: string;
  iat: number;
  exp: number;
  /** The device's token version when issued; the token is dead once the device's version has moved on. */
  token_version: number;
  /** The RFC 7638 thumbprint of the device's DPoP key: every call must carry a proof made with that key. */
  cnf: { jkt: string };
}

export interface AccessTokenSubject {
  deviceId: string;
  tokenVersion: number;
  jkt: string;
}

// RFC 9068 §2.1: a typ of its own, so no other JWT signed with these keys passes for an access token.
const TYP = 'at+jwt';
const JKT = /^[A-Za-z0-9_-]{43}$/;

/** Why a token was refused, in `details.check`; the route layer answers 401 with `WWW-Authenticate: DPoP error="invalid_token"`. */
export type TokenCheck = 'jwt' | 'kid' | 'alg' | 'signature' | 'iss' | 'aud' | 'exp' | 'claims';

function tokenRefused(check: TokenCheck, message: string, cause?: unknown): DomainError {
  return new DomainError('unauthenticated', 'invalid_token', `access token refused: ${message}`, { check }, { cause });
}

/** Signs a 15-minute EdDSA access token for a device, bound to its DPoP key, with the current key's kid. */
export async function issueAccessToken(
  keys: DeviceTokenKeys,
  audience: TokenAudience,
  subject: AccessTokenSubject,
  nowMs: number = Date.now(),
): Promise<{ token: string; claims: AccessTokenClaims }> {
  const { kid, key } = keys.signingKey();
  const iat = Math.floor(nowMs / 1000);
  const claims: AccessTokenClaims = {
    iss: audience.issuer,
    aud: audience.audience,
    sub: subject.deviceId,
    jti: randomUUID(),
    iat,
    exp: iat + ACCESS_TOKEN_TTL_S,
    token_version: subject.tokenVersion,
    cnf: { jkt: subject.jkt },
  };
  const token = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'EdDSA', typ: TYP, kid }).sign(key);
  return { token, claims };
}

function refusalOf(err: unknown): DomainError {
  if (err instanceof errors.JWTExpired) return tokenRefused('exp', 'it has expired', err);
  if (err instanceof errors.JWTClaimValidationFailed) {
    const check = err.claim === 'iss' || err.claim === 'aud' ? err.claim : 'claims';
    return tokenRefused(check, err.message, err);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return tokenRefused('signature', 'the signature does not verify', err);
  if (err instanceof errors.JOSEAlgNotAllowed) return tokenRefused('alg', 'alg must be EdDSA', err);
  return tokenRefused('jwt', 'it is not a well-formed JWT', err);
}

/**
 * Checks a device access token: a known kid, an EdDSA signature by that key, typ, iss, aud and exp, and the
 * shape of every claim; returns the claims. Comparing `token_version` with the device's current version, and
 * `cnf.jkt` with the DPoP proof's key, is the caller's job: this function knows neither.
 */
export async function verifyAccessToken(
  keys: DeviceTokenKeys,
  token: string,
  audience: TokenAudience,
  nowMs: number = Date.now(),
): Promise<AccessTokenClaims> {
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch (err) {
    throw tokenRefused('jwt', 'it is not a well-formed JWT', err);
  }
  const key = typeof kid === 'string' ? keys.verifyingKey(kid) : undefined;
  if (!key) throw tokenRefused('kid', 'its kid names no key of this server');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ['EdDSA'],
      typ: TYP,
      issuer: audience.issuer,
      audience: audience.audience,
      requiredClaims: ['sub', 'jti', 'iat', 'exp'],
      currentDate: new Date(nowMs),
    }));
  } catch (err) {
    throw refusalOf(err);
  }
  const { sub, jti, token_version: version, cnf } = payload;
  const jkt = typeof cnf === 'object' && cnf !== null ? (cnf as Record<string, unknown>).jkt : undefined;
  if (
    typeof sub !== 'string' ||
    sub === '' ||
    typeof jti !== 'string' ||
    typeof payload.aud !== 'string' ||
    !Number.isSafeInteger(version) ||
    (version as number) < 0 ||
    typeof jkt !== 'string' ||
    !JKT.test(jkt)
  ) {
    throw tokenRefused('claims', 'sub, jti, aud, token_version or cnf.jkt is missing or of the wrong type');
  }
  return payload as unknown as AccessTokenClaims;
}
