import { randomBytes } from 'node:crypto';
import { request as httpRequest, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDatabase } from '../../../../src/core/db/database.js';
import type { Db } from '../../../../src/core/db/database.js';
import { openMigratedDatabase } from '../../../../src/core/db/open.js';
import { DomainError } from '../../../../src/core/errors.js';
import { DpopNonces } from '../../../../src/features/devices/dpop/nonces.js';
import { DpopReplayRepository } from '../../../../src/features/devices/dpop/replay-repository.js';
import { accessTokenHash, verifyDpopProof } from '../../../../src/features/devices/dpop/verify-proof.js';
import type { DpopRequest, DpopSettings } from '../../../../src/features/devices/dpop/verify-proof.js';
import { tempDir } from '../../../support/stack.js';
import { hmacProof, proofClaims, proofKey, signProof } from './proofs.js';

const log = pino({ level: 'silent' });
const target = { protocol: 'https', host: 'borg.example.com', url: '/api/agent/heartbeat?since=1' };

let file: string;
let db: Db;
let settings: DpopSettings;
const now = Date.now();

beforeEach(() => {
  file = join(tempDir(), 'borg.db');
  db = openMigratedDatabase({ file, autoMigrate: true, log });
  settings = { replays: new DpopReplayRepository(db), iatWindowS: 60 };
});

afterEach(() => closeDatabase(db));

function request(dpop: DpopRequest['dpop'], more: Partial<DpopRequest> = {}): DpopRequest {
  return { dpop, method: 'POST', target, ...more };
}

/** The code and check of the refusal `run` throws. */
function refusal(run: () => unknown): { code: string; check: unknown } {
  try {
    run();
  } catch (err) {
    if (err instanceof DomainError) return { code: err.code, check: err.details?.check };
    throw err;
  }
  throw new Error('the proof was accepted');
}

const refusedAt = (check: string) => ({ code: 'invalid_dpop_proof', check });

describe('a DPoP proof (RFC 9449 §4.3)', () => {
  it.each(['EdDSA', 'ES256'] as const)('is accepted when made with %s, giving the key and its RFC 7638 thumbprint', async (alg) => {
    const key = proofKey(alg);
    const claims = proofClaims(now);
    const proof = verifyDpopProof(request(signProof(key, claims)), settings, now);
    expect(proof).toEqual({
      jwk: expect.objectContaining({ kty: key.jwk.kty, x: key.jwk.x }),
      jkt: await calculateJwkThumbprint(key.jwk),
      jti: claims.jti,
      iat: claims.iat,
    });
  });

  it('is accepted at a resource with the hash of its access token and the key the token is bound to', async () => {
    const key = proofKey();
    const token = 'eyJ.access.token';
    const accessToken = { token, jkt: await calculateJwkThumbprint(key.jwk) };
    const proof = signProof(key, proofClaims(now, { ath: accessTokenHash(token) }));
    expect(verifyDpopProof(request(proof, { accessToken }), settings, now).jkt).toBe(accessToken.jkt);
  });

  it('is refused without a DPoP header, or with two', () => {
    const key = proofKey();
    expect(refusal(() => verifyDpopProof(request(undefined), settings, now))).toEqual(refusedAt('header'));
    expect(refusal(() => verifyDpopProof(request([]), settings, now))).toEqual(refusedAt('header'));
    const two = [signProof(key, proofClaims(now)), signProof(key, proofClaims(now))];
    expect(refusal(() => verifyDpopProof(request(two), settings, now))).toEqual(refusedAt('header'));
  });

  it('sees two DPoP headers sent over HTTP as two, through headersDistinct', async () => {
    const key = proofKey();
    const server = createServer((req, res) => {
      const { port } = server.address() as AddressInfo;
      let answer = 'accepted';
      try {
        verifyDpopProof(
          { dpop: req.headersDistinct.dpop, method: req.method!, target: { protocol: 'http', host: req.headers.host!, url: req.url! } },
          settings,
        );
      } catch (err) {
        answer = String((err as DomainError).details?.check);
      }
      res.end(`${answer} ${port}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const htu = `http://127.0.0.1:${port}/api/agent/heartbeat`;
    const send = (dpop: string | string[]) =>
      new Promise<string>((resolve, reject) => {
        const req = httpRequest(
          { port, host: '127.0.0.1', method: 'POST', path: '/api/agent/heartbeat', headers: { DPoP: dpop } },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve(body.split(' ')[0]!));
          },
        );
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await send(signProof(key, proofClaims(Date.now(), { htu })))).toBe('accepted');
      expect(await send([signProof(key, proofClaims(Date.now(), { htu })), signProof(key, proofClaims(Date.now(), { htu }))])).toBe(
        'header',
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('is refused unless it is one well-formed compact JWS', () => {
    const key = proofKey();
    const good = signProof(key, proofClaims(now));
    const [header, payload] = good.split('.');
    const notJson = Buffer.from('{"typ":').toString('base64url');
    for (const bad of [
      '',
      'not-a-jws',
      `${header}.${payload}`,
      `${notJson}.${payload}.c2ln`,
      `${header}.${Buffer.from('[1]').toString('base64url')}.c2ln`,
      `${good}, ${good}`,
      `${good}.x`,
      'a'.repeat(5000),
    ]) {
      expect([bad.slice(0, 40), refusal(() => verifyDpopProof(request(bad), settings, now))]).toEqual([bad.slice(0, 40), refusedAt('jws')]);
    }
    expect(refusal(() => verifyDpopProof(request(signProof(key, proofClaims(now), { crit: ['exp'], exp: 1 })), settings, now))).toEqual(
      refusedAt('jws'),
    );
  });

  it('is refused with a typ other than dpop+jwt', () => {
    const key = proofKey();
    for (const typ of ['JWT', 'at+jwt', 'DPOP+JWT', undefined]) {
      expect(refusal(() => verifyDpopProof(request(signProof(key, proofClaims(now), { typ })), settings, now))).toEqual(refusedAt('typ'));
    }
  });

  it('is refused with alg none, a symmetric alg, or one outside the allow-list', () => {
    const key = proofKey();
    const unsecured = signProof(key, proofClaims(now), { alg: 'none' }).split('.').slice(0, 2).join('.') + '.';
    expect(refusal(() => verifyDpopProof(request(unsecured), settings, now))).toEqual(refusedAt('alg'));
    expect(refusal(() => verifyDpopProof(request(signProof(key, proofClaims(now), { alg: 'none' })), settings, now))).toEqual(
      refusedAt('alg'),
    );
    expect(refusal(() => verifyDpopProof(request(hmacProof(proofClaims(now))), settings, now))).toEqual(refusedAt('alg'));
    for (const alg of ['RS256', 'ES384', 'Ed25519', 'eddsa', undefined]) {
      expect(refusal(() => verifyDpopProof(request(signProof(key, proofClaims(now), { alg })), settings, now))).toEqual(refusedAt('alg'));
    }
  });

  it('is refused when its signature does not verify with the header jwk', () => {
    const key = proofKey();
    const other = proofKey();
    expect(refusal(() => verifyDpopProof(request(signProof(other, proofClaims(now), { jwk: key.jwk })), settings, now))).toEqual(
      refusedAt('signature'),
    );
    const [header, , signature] = signProof(key, proofClaims(now)).split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify(proofClaims(now))).toString('base64url')}.${signature}`;
    expect(refusal(() => verifyDpopProof(request(tampered), settings, now))).toEqual(refusedAt('signature'));
    const es = proofKey('ES256');
    const truncated = signProof(es, proofClaims(now)).slice(0, -4);
    expect(refusal(() => verifyDpopProof(request(truncated), settings, now))).toEqual(refusedAt('signature'));
  });

  it('is refused when the jwk holds a private key, is missing, or does not fit the alg', () => {
    const key = proofKey();
    const privateJwk = key.privateKey.export({ format: 'jwk' });
    expect(refusal(() => verifyDpopProof(request(signProof(key, proofClaims(now), { jwk: privateJwk })), settings, now))).toEqual(
      refusedAt('jwk_private'),
    );
    const es = proofKey('ES256');
    const esPrivate = es.privateKey.export({ format: 'jwk' });
    expect(refusal(() => verifyDpopProof(request(signProof(es, proofClaims(now), { jwk: esPrivate })), settings, now))).toEqual(
      refusedAt('jwk_private'),
    );
    for (const jwk of [undefined, 'key', { ...key.jwk, crv: 'X25519' }, es.jwk, { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }]) {
      expect(refusal(() => verifyDpopProof(request(signProof(key, proofClaims(now), { jwk })), settings, now))).toEqual(refusedAt('jwk'));
    }
  });

  it('is refused when htm is not the request method', () => {
    const key = proofKey();
    for (const htm of ['GET', 'post', undefined]) {
      expect(refusal(() => verifyDpopProof(request(signProof(key, proofClaims(now, { htm }))), settings, now))).toEqual(refusedAt('htm'));
    }
  });

  it('compares htu with the request URI after normalisation, ignoring query and fragment', () => {
    const key = proofKey();
    for (const htu of [
      'https://borg.example.com/api/agent/heartbeat?other=query#fragment',
      'HTTPS://Borg.Example.COM:443/api/agent/heartbeat',
      'https://borg.example.com/api/agent/%68eartbeat',
      'https://borg.example.com/api/x/../agent/heartbeat',
    ]) {
      expect(verifyDpopProof(request(signProof(key, proofClaims(now, { htu }))), settings, now).jti).toEqual(expect.any(String));
    }
    const request8443 = request(signProof(key, proofClaims(now, { htu: 'https://borg.example.com:8443/api/agent/heartbeat' })), {
      target: { ...target, host: 'BORG.example.com:8443', url: '/api/agent/%2fheartbeat/../heartbeat' },
    });
    expect(verifyDpopProof(request8443, settings, now).jti).toEqual(expect.any(String));
  });

  it('is refused when htu names another URI', () => {
    const key = proofKey();
    for (const htu of [
      'http://borg.example.com/api/agent/heartbeat',
      'https://other.example.com/api/agent/heartbeat',
      'https://borg.example.com:8443/api/agent/heartbeat',
      'https://borg.example.com/api/agent/me',
      'https://borg.example.com/api/agent/Heartbeat',
      'https://user@borg.example.com/api/agent/heartbeat',
      '/api/agent/heartbeat',
      undefined,
    ]) {
      expect([htu, refusal(() => verifyDpopProof(request(signProof(key, proofClaims(now, { htu }))), settings, now))]).toEqual([
        htu,
        refusedAt('htu'),
      ]);
    }
    const absoluteForm = request(signProof(key, proofClaims(now)), {
      target: { ...target, url: 'https://borg.example.com/api/agent/heartbeat' },
    });
    expect(refusal(() => verifyDpopProof(absoluteForm, settings, now))).toEqual(refusedAt('htu'));
  });

  it('checks htu against the configured public base URL, not what the request behind the proxy says', () => {
    const key = proofKey();
    const behindProxy = { protocol: 'http', host: '127.0.0.1:8080', url: '/api/agent/heartbeat' };
    const proxied = { ...settings, publicBaseUrl: 'https://borg.example.com/' };
    const publicUri = signProof(key, proofClaims(now));
    expect(verifyDpopProof(request(publicUri, { target: behindProxy }), proxied, now).jti).toEqual(expect.any(String));
    const internalUri = signProof(key, proofClaims(now, { htu: 'http://127.0.0.1:8080/api/agent/heartbeat' }));
    expect(refusal(() => verifyDpopProof(request(internalUri, { target: behindProxy }), proxied, now))).toEqual(refusedAt('htu'));
    const prefixed = { ...settings, publicBaseUrl: 'https://example.com/borg' };
    const underPrefix = signProof(key, proofClaims(now, { htu: 'https://example.com/borg/api/agent/heartbeat' }));
    expect(verifyDpopProof(request(underPrefix, { target: behindProxy }), prefixed, now).jti).toEqual(expect.any(String));
    // A target that starts like a network path stays a path under the base.
    const sneaky = signProof(key, proofClaims(now, { htu: 'https://other.example.com/api/agent/heartbeat' }));
    expect(
      refusal(() =>
        verifyDpopProof(request(sneaky, { target: { ...behindProxy, url: '//other.example.com/api/agent/heartbeat' } }), proxied, now),
      ),
    ).toEqual(refusedAt('htu'));
  });

  it('is refused when iat is outside the window, in either direction, or not a number', () => {
    const key = proofKey();
    const nowS = Math.floor(now / 1000);
    expect(verifyDpopProof(request(signProof(key, proofClaims(now, { iat: nowS - 59 }))), settings, now).jti).toEqual(expect.any(String));
    expect(verifyDpopProof(request(signProof(key, proofClaims(now, { iat: nowS + 59 }))), settings, now).jti).toEqual(expect.any(String));
    for (const iat of [nowS - 61, nowS + 61, String(nowS), undefined]) {
      expect([iat, refusal(() => verifyDpopProof(request(signProof(key, proofClaims(now, { iat }))), settings, now))]).toEqual([
        iat,
        refusedAt('iat'),
      ]);
    }
  });

  it('is refused without a jti, or with one too long to keep', () => {
    const key = proofKey();
    for (const jti of [undefined, '', 42, 'j'.repeat(257)]) {
      expect(refusal(() => verifyDpopProof(request(signProof(key, proofClaims(now, { jti }))), settings, now))).toEqual(refusedAt('jti'));
    }
  });

  it('is refused when its jti was seen within the window, also after the database is reopened', () => {
    const key = proofKey();
    const proof = signProof(key, proofClaims(now));
    verifyDpopProof(request(proof), settings, now);
    expect(refusal(() => verifyDpopProof(request(proof), settings, now + 1000))).toEqual(refusedAt('replay'));
    // A new proof reusing the id is a replay too.
    const reused = signProof(key, proofClaims(now, { jti: JSON.parse(Buffer.from(proof.split('.')[1]!, 'base64url').toString()).jti }));
    expect(refusal(() => verifyDpopProof(request(reused), settings, now))).toEqual(refusedAt('replay'));

    closeDatabase(db);
    db = openMigratedDatabase({ file, autoMigrate: true, log });
    const restarted = { ...settings, replays: new DpopReplayRepository(db) };
    expect(refusal(() => verifyDpopProof(request(proof), restarted, now + 2000))).toEqual(refusedAt('replay'));
  });

  it('uses up its jti only when every other check passed', () => {
    const key = proofKey();
    const claims = proofClaims(now);
    expect(refusal(() => verifyDpopProof(request(signProof(key, { ...claims, htm: 'GET' })), settings, now))).toEqual(refusedAt('htm'));
    expect(verifyDpopProof(request(signProof(key, claims)), settings, now).jti).toBe(claims.jti);
  });

  it('is refused at a resource when ath is not the hash of the access token', async () => {
    const key = proofKey();
    const accessToken = { token: 'eyJ.access.token', jkt: await calculateJwkThumbprint(key.jwk) };
    for (const ath of [undefined, accessTokenHash('eyJ.other.token'), 'eyJ.access.token']) {
      expect(refusal(() => verifyDpopProof(request(signProof(key, proofClaims(now, { ath })), { accessToken }), settings, now))).toEqual(
        refusedAt('ath'),
      );
    }
  });

  it('is refused at a resource when its key is not the one the access token is bound to (cnf.jkt)', async () => {
    const key = proofKey();
    const accessToken = { token: 'eyJ.access.token', jkt: await calculateJwkThumbprint(proofKey().jwk) };
    const proof = signProof(key, proofClaims(now, { ath: accessTokenHash(accessToken.token) }));
    expect(refusal(() => verifyDpopProof(request(proof, { accessToken }), settings, now))).toEqual(refusedAt('jkt'));
  });

  it('asks for a server nonce when nonces are on, and accepts a current one', () => {
    const key = proofKey();
    const nonces = new DpopNonces(randomBytes(32), 300);
    const withNonces = { ...settings, nonces };
    let issued: unknown;
    try {
      verifyDpopProof(request(signProof(key, proofClaims(now))), withNonces, now);
    } catch (err) {
      expect(err).toMatchObject({ kind: 'unauthenticated', code: 'use_dpop_nonce', details: { check: 'nonce' } });
      issued = (err as DomainError).details?.nonce;
    }
    expect(typeof issued === 'string' && nonces.accepts(issued, now)).toBe(true);
    expect(verifyDpopProof(request(signProof(key, proofClaims(now, { nonce: issued }))), withNonces, now).jti).toEqual(expect.any(String));

    const stale = nonces.issue(now - 301_000);
    const foreign = new DpopNonces(randomBytes(32)).issue(now);
    for (const nonce of [stale, foreign, `${String(issued)}A`, 'x']) {
      expect(refusal(() => verifyDpopProof(request(signProof(key, proofClaims(now, { nonce }))), withNonces, now))).toEqual({
        code: 'use_dpop_nonce',
        check: 'nonce',
      });
    }
  });

  it('names the failed check in a 401-kind error that the route layer can put in WWW-Authenticate', () => {
    const key = proofKey();
    try {
      verifyDpopProof(request(signProof(key, proofClaims(now, { htm: 'GET' }))), settings, now);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DomainError);
      expect(err).toMatchObject({ kind: 'unauthenticated', code: 'invalid_dpop_proof', details: { check: 'htm' } });
      expect((err as DomainError).message).toBe('DPoP proof refused: htm must be the request method POST');
    }
  });
});
