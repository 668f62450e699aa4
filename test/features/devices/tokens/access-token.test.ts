import { randomBytes } from 'node:crypto';
import { chmodSync, readdirSync, statSync } from 'node:fs';
import { decodeProtectedHeader, decodeJwt, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { DomainError, StartupError } from '../../../../src/core/errors.js';
import { issueAccessToken, verifyAccessToken } from '../../../../src/features/devices/tokens/access-token.js';
import type { AccessTokenSubject } from '../../../../src/features/devices/tokens/access-token.js';
import { ACCESS_TOKEN_TTL_S, RETIRED_KEY_KEEP_S } from '../../../../src/features/devices/tokens/lifetimes.js';
import { DeviceTokenKeys, rotateTokenKeys, tokenKeysFile } from '../../../../src/features/devices/tokens/signing-keys.js';
import { tempDir } from '../../../support/stack.js';

const audience = { issuer: 'https://borg.example.com', audience: 'borg-agent-api' };
const subject: AccessTokenSubject = {
  deviceId: 'dev_0123456789abcdef',
  tokenVersion: 3,
  jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
};

/** The check a refused token names. */
async function refusal(run: Promise<unknown>): Promise<{ code: string; check: unknown }> {
  try {
    await run;
  } catch (err) {
    if (err instanceof DomainError) return { code: err.code, check: err.details?.check };
    throw err;
  }
  throw new Error('the token was accepted');
}

const refusedAt = (check: string) => ({ code: 'invalid_token', check });

describe('device access tokens', () => {
  it('keeps its signing keys in a file of the data dir with mode 0600, and leaves no temporary file', () => {
    const dir = tempDir();
    const file = tokenKeysFile(dir);
    DeviceTokenKeys.open(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    rotateTokenKeys(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['device-token-keys.json']);
  });

  it('refuses a key file that group or others may read', () => {
    const file = tokenKeysFile(tempDir());
    DeviceTokenKeys.open(file);
    chmodSync(file, 0o644);
    expect(() => DeviceTokenKeys.open(file)).toThrow(StartupError);
    expect(() => DeviceTokenKeys.open(file)).toThrow(/mode 644: run chmod 600/);
  });

  it('gives two processes starting on a new data dir the same first key', () => {
    const file = tokenKeysFile(tempDir());
    const a = DeviceTokenKeys.open(file);
    const b = DeviceTokenKeys.open(file);
    expect(b.signingKey().kid).toBe(a.signingKey().kid);
  });

  it('issues a 15-minute EdDSA token with a kid, bound to the DPoP key, that verifies to its claims', async () => {
    const keys = DeviceTokenKeys.open(tokenKeysFile(tempDir()));
    const now = Date.now();
    const { token, claims } = await issueAccessToken(keys, audience, subject, now);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: keys.jwks().keys[0]!.kid });
    expect(decodeJwt(token)).toEqual(claims);
    expect(claims).toEqual({
      iss: audience.issuer,
      aud: audience.audience,
      sub: subject.deviceId,
      jti: expect.any(String),
      iat: Math.floor(now / 1000),
      exp: Math.floor(now / 1000) + 15 * 60,
      token_version: 3,
      cnf: { jkt: subject.jkt },
    });
    expect(await verifyAccessToken(keys, token, audience, now)).toEqual(claims);
    // Each token has its own id.
    expect((await issueAccessToken(keys, audience, subject, now)).claims.jti).not.toBe(claims.jti);
  });

  it('refuses an expired token, and one for another issuer or audience', async () => {
    const keys = DeviceTokenKeys.open(tokenKeysFile(tempDir()));
    const now = Date.now();
    const { token } = await issueAccessToken(keys, audience, subject, now);
    expect(await verifyAccessToken(keys, token, audience, now + (ACCESS_TOKEN_TTL_S - 1) * 1000)).toMatchObject({ sub: subject.deviceId });
    expect(await refusal(verifyAccessToken(keys, token, audience, now + (ACCESS_TOKEN_TTL_S + 1) * 1000))).toEqual(refusedAt('exp'));
    expect(await refusal(verifyAccessToken(keys, token, { ...audience, issuer: 'https://other.example.com' }, now))).toEqual(
      refusedAt('iss'),
    );
    expect(await refusal(verifyAccessToken(keys, token, { ...audience, audience: 'other' }, now))).toEqual(refusedAt('aud'));
  });

  it('refuses an unknown kid, a forged signature, a tampered token and a token that is not a JWT', async () => {
    const keys = DeviceTokenKeys.open(tokenKeysFile(tempDir()));
    const strangers = DeviceTokenKeys.open(tokenKeysFile(tempDir()));
    const { token: foreign } = await issueAccessToken(strangers, audience, subject);
    expect(await refusal(verifyAccessToken(keys, foreign, audience))).toEqual(refusedAt('kid'));

    // Our kid, someone else's key.
    const { claims } = await issueAccessToken(keys, audience, subject);
    const forged = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: keys.signingKey().kid })
      .sign(strangers.signingKey().key);
    expect(await refusal(verifyAccessToken(keys, forged, audience))).toEqual(refusedAt('signature'));

    const { token } = await issueAccessToken(keys, audience, subject);
    const [header, , signature] = token.split('.');
    const raised = Buffer.from(JSON.stringify({ ...decodeJwt(token), token_version: 99 })).toString('base64url');
    expect(await refusal(verifyAccessToken(keys, `${header}.${raised}.${signature}`, audience))).toEqual(refusedAt('signature'));

    for (const junk of ['', 'abc', 'a.b.c']) expect(await refusal(verifyAccessToken(keys, junk, audience))).toEqual(refusedAt('jwt'));
  });

  it('refuses a token under our kid with a symmetric alg, another typ, or missing claims', async () => {
    const keys = DeviceTokenKeys.open(tokenKeysFile(tempDir()));
    const kid = keys.signingKey().kid;
    const { claims } = await issueAccessToken(keys, audience, subject);
    const hs256 = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid }).sign(randomBytes(32));
    expect(await refusal(verifyAccessToken(keys, hs256, audience))).toEqual(refusedAt('alg'));
    const plainJwt = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid }).sign(keys.signingKey().key);
    expect(await refusal(verifyAccessToken(keys, plainJwt, audience))).toEqual(refusedAt('claims'));
    for (const broken of [
      { cnf: undefined },
      { cnf: { jkt: 'short' } },
      { token_version: -1 },
      { token_version: '3' },
      { sub: '' },
      { jti: undefined },
    ]) {
      const token = await new SignJWT({ ...claims, ...broken })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid })
        .sign(keys.signingKey().key);
      expect([broken, await refusal(verifyAccessToken(keys, token, audience))]).toEqual([broken, refusedAt('claims')]);
    }
  });

  it('after a rotation signs with the new key and still verifies tokens of the old one, in a running and a new process', async () => {
    const file = tokenKeysFile(tempDir());
    const running = DeviceTokenKeys.open(file);
    const oldKid = running.signingKey().kid;
    const { token: oldToken } = await issueAccessToken(running, audience, subject);

    const newKid = rotateTokenKeys(file);
    expect(newKid).not.toBe(oldKid);
    const { token: newToken } = await issueAccessToken(running, audience, subject);
    expect(decodeProtectedHeader(newToken).kid).toBe(newKid);
    expect(running.jwks().keys.map((k) => k.kid)).toEqual([newKid, oldKid]);

    const started = DeviceTokenKeys.open(file);
    for (const keys of [running, started]) {
      expect((await verifyAccessToken(keys, oldToken, audience)).sub).toBe(subject.deviceId);
      expect((await verifyAccessToken(keys, newToken, audience)).sub).toBe(subject.deviceId);
    }
  });

  it('lets a running process verify a kid made after it read the file', async () => {
    const file = tokenKeysFile(tempDir());
    const replicaA = DeviceTokenKeys.open(file);
    rotateTokenKeys(file);
    const replicaB = DeviceTokenKeys.open(file);
    const { token } = await issueAccessToken(replicaB, audience, subject);
    expect((await verifyAccessToken(replicaA, token, audience)).sub).toBe(subject.deviceId);
  });

  it('drops a retired key once every token it signed has expired', async () => {
    const file = tokenKeysFile(tempDir());
    const keys = DeviceTokenKeys.open(file);
    const now = Date.now();
    const first = keys.signingKey().kid;
    const { token } = await issueAccessToken(keys, audience, subject, now);
    expect(decodeProtectedHeader(token).kid).toBe(first);
    const second = rotateTokenKeys(file, now);
    const third = rotateTokenKeys(file, now + (RETIRED_KEY_KEEP_S + 1) * 1000);
    expect(keys.jwks().keys.map((k) => k.kid)).toEqual([third, second]);
    expect(await refusal(verifyAccessToken(keys, token, audience, now))).toEqual(refusedAt('kid'));
  });

  it('exports the public keys as a JWKS without private members', () => {
    const keys = DeviceTokenKeys.open(tokenKeysFile(tempDir()));
    const [jwk, ...rest] = keys.jwks().keys;
    expect(rest).toEqual([]);
    expect(jwk).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      kid: keys.signingKey().kid,
      alg: 'EdDSA',
      use: 'sig',
    });
  });
});
