import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { issueAccessToken } from '../../../../src/features/devices/tokens/access-token.js';
import { startTestStack } from '../../../support/engine-control.js';
import type { TestStack } from '../../../support/engine-control.js';
import { deviceCall, dpopProof, enrolledDevice, refresh } from '../../../support/devices.js';
import type { TestDevice } from '../../../support/devices.js';
import { freePort } from '../../../support/ports.js';
import { tempDir } from '../../../support/stack.js';
import type { TestApi } from '../../../support/stack.js';
import { hmacProof, proofKey, signProof } from '../dpop/proofs.js';
import { beat, expectRefused, jwtPayload, rawCall, refreshProof, restartApi } from './support.js';

const HEARTBEAT = '/api/agent/heartbeat';
const ME = '/api/agent/me';
const ath = (token: string) => createHash('sha256').update(token).digest('base64url');
const nowS = () => Math.floor(Date.now() / 1000);

describe('DPoP at the device resources (real server, real Temporal)', () => {
  let stack: TestStack;
  let device: TestDevice;
  let url: string;
  /** A heartbeat with the device's token and the given DPoP header (null: none). */
  const heartbeat = (proof: string | string[] | null, opts: { authorization?: string } = {}) =>
    deviceCall(stack, device, 'POST', HEARTBEAT, beat, { proof, ...opts });
  /** The device's own proof for the heartbeat, with claims or header members replaced. */
  const proof = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
    dpopProof(device, 'POST', url, claims, header);

  beforeAll(async () => {
    stack = await startTestStack(inject('temporalAddress'));
    await stack.startWorker();
    device = await enrolledDevice(stack);
    url = `${stack.url}${HEARTBEAT}`;
  });
  afterAll(() => stack?.close());

  it('admits a good proof, with its htu normalised and without the query', async () => {
    const reply = await heartbeat(proof());
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.device_id).toBe(device.deviceId);
    // Scheme and host in upper case, an unreserved character percent-encoded: the same URI (RFC 3986 §6.2.2).
    const spelled = url.replace('http://', 'HTTP://').replace('heartbeat', '%68eartbeat');
    expect((await heartbeat(proof({ htu: spelled }))).status).toBe(200);
    // The query is no part of htu: the proof passes, and only the route's own query validation objects.
    const withQuery = await deviceCall(stack, device, 'POST', `${HEARTBEAT}?from=test`, beat);
    expect(withQuery.status, JSON.stringify(withQuery.body)).toBe(400);
    expect(withQuery.body.error.code).toBe('VALIDATION_FAILED');
    const me = await deviceCall(stack, device, 'GET', ME);
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(device.deviceId);
  });

  it('header: refuses a call without a DPoP header', async () => {
    expectRefused(await heartbeat(null), { check: 'header' });
  });

  it('header: refuses two DPoP headers, even two good proofs', async () => {
    const two = (proofs: string[]) =>
      rawCall(url, 'POST', [['authorization', `DPoP ${device.accessToken}`], ...proofs.map((p): [string, string] => ['dpop', p])], beat);
    // The same request with one of them passes, so the count is what is refused.
    expect((await two([proof()])).status).toBe(200);
    expectRefused(await two([proof(), proof()]), { check: 'header' });
  });

  it('jws: refuses what is not one compact JWS', async () => {
    expectRefused(await heartbeat('not-a-jws'), { check: 'jws' });
    const [h, p] = proof().split('.');
    expectRefused(await heartbeat(`${h}.${p}`), { check: 'jws' });
    expectRefused(await heartbeat(`${h}.${Buffer.from('not json').toString('base64url')}.AAAA`), { check: 'jws' });
  });

  it('typ: refuses a typ other than dpop+jwt', async () => {
    expectRefused(await heartbeat(proof({}, { typ: 'JWT' })), { check: 'typ' });
    expectRefused(await heartbeat(proof({}, { typ: undefined })), { check: 'typ' });
  });

  it('alg: refuses none, HS256 and RS256', async () => {
    const [h, p] = proof({}, { alg: 'none' }).split('.');
    expectRefused(await heartbeat(`${h}.${p}.`), { check: 'alg' });
    const claims = { jti: randomUUID(), htm: 'POST', htu: url, iat: nowS(), ath: ath(device.accessToken!) };
    expectRefused(await heartbeat(hmacProof(claims)), { check: 'alg' });
    expectRefused(await heartbeat(proof({}, { alg: 'RS256' })), { check: 'alg' });
  });

  it('jwk: refuses a proof without a jwk, or with a key of the wrong type for its alg', async () => {
    expectRefused(await heartbeat(proof({}, { jwk: undefined })), { check: 'jwk' });
    expectRefused(await heartbeat(proof({}, { jwk: proofKey('ES256').jwk })), { check: 'jwk' });
  });

  it('jwk_private: refuses a jwk that carries the private key', async () => {
    const privateJwk = device.privateKey.export({ format: 'jwk' });
    expect(privateJwk.d).toBeDefined();
    expectRefused(await heartbeat(proof({}, { jwk: privateJwk })), { check: 'jwk_private' });
  });

  it('signature: refuses a proof whose signature does not verify with the header jwk', async () => {
    const [h, p, s] = proof().split('.');
    const flipped = Buffer.from(s!, 'base64url');
    flipped[0] = flipped[0]! ^ 0xff;
    expectRefused(await heartbeat(`${h}.${p}.${flipped.toString('base64url')}`), { check: 'signature' });
    // Signed by another key, claiming this device's.
    const other = proofKey('EdDSA');
    const forged = signProof(
      other,
      { jti: randomUUID(), htm: 'POST', htu: url, iat: nowS(), ath: ath(device.accessToken!) },
      { jwk: { kty: 'OKP', crv: 'Ed25519', x: device.jwk.x } },
    );
    expectRefused(await heartbeat(forged), { check: 'signature' });
  });

  it('jti: refuses a proof without a jti', async () => {
    expectRefused(await heartbeat(proof({ jti: undefined })), { check: 'jti' });
    expectRefused(await heartbeat(proof({ jti: '' })), { check: 'jti' });
  });

  it('htm: refuses a proof for another method', async () => {
    expectRefused(await heartbeat(proof({ htm: 'GET' })), { check: 'htm' });
  });

  it('htu: refuses a proof for another URI, host or scheme', async () => {
    expectRefused(await heartbeat(proof({ htu: `${stack.url}${ME}` })), { check: 'htu' });
    expectRefused(await heartbeat(proof({ htu: `https://elsewhere.example.com${HEARTBEAT}` })), { check: 'htu' });
    expectRefused(await heartbeat(proof({ htu: url.replace('http:', 'https:') })), { check: 'htu' });
    expectRefused(await heartbeat(proof({ htu: 42 })), { check: 'htu' });
  });

  it('htu: a proof valid at the heartbeat is refused at /api/agent/me', async () => {
    const forHeartbeat = dpopProof(device, 'GET', url);
    expectRefused(await deviceCall(stack, device, 'GET', ME, undefined, { proof: forHeartbeat }), { check: 'htu' });
  });

  it('iat: refuses a proof issued too long ago or too far in the future', async () => {
    expectRefused(await heartbeat(proof({ iat: nowS() - 120 })), { check: 'iat' });
    expectRefused(await heartbeat(proof({ iat: nowS() + 120 })), { check: 'iat' });
    expectRefused(await heartbeat(proof({ iat: String(nowS()) })), { check: 'iat' });
    // Inside the default 60 s window either way.
    expect((await heartbeat(proof({ iat: nowS() - 40 }))).status).toBe(200);
    expect((await heartbeat(proof({ iat: nowS() + 40 }))).status).toBe(200);
  });

  it('ath: refuses a proof without ath, or with the hash of another token', async () => {
    expectRefused(await heartbeat(proof({ ath: undefined })), { check: 'ath' });
    expectRefused(await heartbeat(proof({ ath: ath(`${device.accessToken}x`) })), { check: 'ath' });
  });

  it('jkt: refuses a token bound to another key, sent with this device key’s proof', async () => {
    const other = await enrolledDevice(stack);
    // A proof by this device's key, for the other device's token (its ath and all).
    const borrowed = dpopProof({ ...device, accessToken: other.accessToken }, 'POST', url);
    expectRefused(await heartbeat(borrowed, { authorization: `DPoP ${other.accessToken}` }), { check: 'jkt' });
  });

  it('jkt: a good ES256 proof passes every check but the key binding', async () => {
    const es = proofKey('ES256');
    const good = signProof(es, { jti: randomUUID(), htm: 'POST', htu: url, iat: nowS(), ath: ath(device.accessToken!) });
    expectRefused(await heartbeat(good), { check: 'jkt' });
  });

  it('replay: the same proof twice is refused the second time', async () => {
    const once = proof();
    expect((await heartbeat(once)).status).toBe(200);
    expectRefused(await heartbeat(once), { check: 'replay' });
  });

  it('names the scheme, without an error code, to a call with no credentials at all (RFC 6750 §3.1)', async () => {
    const reply = await deviceCall(stack, device, 'POST', HEARTBEAT, beat, { authorization: '', proof: null });
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toBe('DPoP algs="EdDSA ES256"');
    expect(reply.body.error.code).toBe('DEVICE_AUTH_REQUIRED');
  });

  it('invalid_token: refuses the token under the Bearer scheme', async () => {
    expectRefused(await heartbeat(proof(), { authorization: `Bearer ${device.accessToken}` }), { code: 'invalid_token' });
    expectRefused(
      await deviceCall(stack, device, 'POST', HEARTBEAT, beat, { authorization: `Bearer ${device.accessToken}`, proof: null }),
      {
        code: 'invalid_token',
      },
    );
  });

  it('invalid_token: refuses a garbled token and an expired one', async () => {
    const garbled = `${device.accessToken!.slice(0, -4)}AAAA`;
    const withGarbled = dpopProof({ ...device, accessToken: garbled }, 'POST', url);
    expectRefused(await heartbeat(withGarbled, { authorization: `DPoP ${garbled}` }), { code: 'invalid_token', check: 'signature' });
    expectRefused(await heartbeat(dpopProof({ ...device, accessToken: 'junk' }, 'POST', url), { authorization: 'DPoP junk' }), {
      code: 'invalid_token',
      check: 'jwt',
    });

    // A token of this server for this device and key, in every way good but its age.
    const claims = jwtPayload(device.accessToken!);
    const { token: expired } = await issueAccessToken(
      stack.server.app.devices.keys,
      { issuer: claims.iss, audience: claims.aud },
      { deviceId: claims.sub, tokenVersion: claims.token_version, jkt: claims.cnf.jkt },
      Date.now() - 3600_000,
    );
    const withExpired = dpopProof({ ...device, accessToken: expired }, 'POST', url);
    expectRefused(await heartbeat(withExpired, { authorization: `DPoP ${expired}` }), { code: 'invalid_token', check: 'exp' });
  });

  it('the token endpoint answers a bad proof with 400 and the same challenge', async () => {
    const refresher = await enrolledDevice(stack);
    const tokenUrl = `${stack.url}/api/agent/token/refresh`;
    expectRefused(await refresh(stack, refresher, { proof: 'garbage' }), { status: 400, check: 'jws' });
    expectRefused(await refresh(stack, refresher, { proof: refreshProof(refresher, tokenUrl, { htm: 'PUT' }) }), {
      status: 400,
      check: 'htm',
    });
    expectRefused(await refresh(stack, refresher, { proof: refreshProof(refresher, `${stack.url}${HEARTBEAT}`) }), {
      status: 400,
      check: 'htu',
    });
    const once = refreshProof(refresher, tokenUrl);
    const good = await refresh(stack, refresher, { proof: once });
    expect(good.status, JSON.stringify(good.body)).toBe(200);
    expectRefused(await refresh(stack, refresher, { proof: once }), { status: 400, check: 'replay' });
    // The new access token works at a resource.
    expect((await deviceCall(stack, refresher, 'POST', HEARTBEAT, beat)).status).toBe(200);
  });
});

describe('DPoP jti replay store across an API restart', () => {
  let stack: TestStack | undefined;
  let again: TestApi | undefined;
  afterAll(async () => {
    await stack?.close();
    await again?.close();
  });

  it('refuses a proof used before the restart', async () => {
    // A fixed port, so that the proof's htu names the restarted API too.
    const env = { BORG_DATA_DIR: tempDir(), TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`, BORG_API_PORT: String(await freePort()) };
    stack = await startTestStack(inject('temporalAddress'), undefined, env);
    await stack.startWorker();
    const device = await enrolledDevice(stack);
    const url = `${stack.url}${HEARTBEAT}`;
    const used = dpopProof(device, 'POST', url);
    expect((await deviceCall(stack, device, 'POST', HEARTBEAT, beat, { proof: used })).status).toBe(200);
    await stack.close();
    stack = undefined;

    again = await restartApi(inject('temporalAddress'), env);
    expect(`${again.url}${HEARTBEAT}`).toBe(url);
    expectRefused(await deviceCall(again, device, 'POST', HEARTBEAT, beat, { proof: used }), { check: 'replay' });
    // The token and a fresh proof still work: the refusal was the replay, not the restart.
    const fresh = await deviceCall(again, device, 'POST', HEARTBEAT, beat);
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
  });
});

describe('DPoP behind a proxy: BORG_PUBLIC_URL', () => {
  const PUBLIC = 'https://borg.example.com/base';
  let stack: TestStack;
  let device: TestDevice;
  beforeAll(async () => {
    stack = await startTestStack(inject('temporalAddress'), undefined, { BORG_PUBLIC_URL: PUBLIC });
    await stack.startWorker();
    device = await enrolledDevice(stack);
  });
  afterAll(() => stack?.close());

  it("checks htu against the public URL, not the request's own", async () => {
    const own = dpopProof(device, 'POST', `${stack.url}${HEARTBEAT}`);
    expectRefused(await deviceCall(stack, device, 'POST', HEARTBEAT, beat, { proof: own }), { check: 'htu' });
    const unprefixed = dpopProof(device, 'POST', `https://borg.example.com${HEARTBEAT}`);
    expectRefused(await deviceCall(stack, device, 'POST', HEARTBEAT, beat, { proof: unprefixed }), { check: 'htu' });
    const publicProof = dpopProof(device, 'POST', `${PUBLIC}${HEARTBEAT}`);
    const reply = await deviceCall(stack, device, 'POST', HEARTBEAT, beat, { proof: publicProof });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  });

  it('and so does the token endpoint', async () => {
    const own = refreshProof(device, `${stack.url}/api/agent/token/refresh`);
    expectRefused(await refresh(stack, device, { proof: own }), { status: 400, check: 'htu' });
    const good = await refresh(stack, device, { proof: refreshProof(device, `${PUBLIC}/api/agent/token/refresh`) });
    expect(good.status, JSON.stringify(good.body)).toBe(200);
  });
});

describe('DPoP server nonces: BORG_DPOP_NONCES=true', () => {
  let stack: TestStack;
  let device: TestDevice;
  let url: string;
  beforeAll(async () => {
    stack = await startTestStack(inject('temporalAddress'), undefined, { BORG_DPOP_NONCES: 'true' });
    await stack.startWorker();
    device = await enrolledDevice(stack);
    url = `${stack.url}${HEARTBEAT}`;
  });
  afterAll(() => stack?.close());

  it('asks for a nonce, accepts the retry with it, and refuses a forged one', async () => {
    const first = await deviceCall(stack, device, 'POST', HEARTBEAT, beat);
    expectRefused(first, { code: 'use_dpop_nonce', check: 'nonce' });
    const nonce = first.headers.get('dpop-nonce');
    expect(nonce).toMatch(/^[A-Za-z0-9_-]+$/);

    const retry = await deviceCall(stack, device, 'POST', HEARTBEAT, beat, { proof: dpopProof(device, 'POST', url, { nonce }) });
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    // The nonce is good for a while: a second call with it and a fresh jti passes too.
    expect((await deviceCall(stack, device, 'POST', HEARTBEAT, beat, { proof: dpopProof(device, 'POST', url, { nonce }) })).status).toBe(
      200,
    );

    const forged = randomBytes(24).toString('base64url');
    const refused = await deviceCall(stack, device, 'POST', HEARTBEAT, beat, { proof: dpopProof(device, 'POST', url, { nonce: forged }) });
    expectRefused(refused, { code: 'use_dpop_nonce', check: 'nonce' });
    expect(refused.headers.get('dpop-nonce')).toMatch(/^[A-Za-z0-9_-]+$/);
    const tampered = `${nonce!.slice(0, -2)}${nonce!.endsWith('AA') ? 'BA' : 'AA'}`;
    const alsoRefused = await deviceCall(stack, device, 'POST', HEARTBEAT, beat, {
      proof: dpopProof(device, 'POST', url, { nonce: tampered }),
    });
    expectRefused(alsoRefused, { code: 'use_dpop_nonce', check: 'nonce' });
  });

  it('the token endpoint asks with a 400', async () => {
    const tokenUrl = `${stack.url}/api/agent/token/refresh`;
    const first = await refresh(stack, device, { proof: refreshProof(device, tokenUrl) });
    expectRefused(first, { status: 400, code: 'use_dpop_nonce', check: 'nonce' });
    const nonce = first.headers.get('dpop-nonce')!;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]+$/);
    const retry = await refresh(stack, device, { proof: refreshProof(device, tokenUrl, { nonce }) });
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
  });
});
