import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainError } from '../../../src/core/errors.js';
import { jwkThumbprint } from '../../../src/features/devices/dpop/thumbprint.js';
import { verifyDpopProof } from '../../../src/features/devices/dpop/verify-proof.js';
import {
  accessTokenHash,
  createDpopProof,
  dpopHtu,
  loadOrCreateDeviceKey,
  newClientNonce,
  proofMessage,
  proofSig,
} from '../../../device/client/index.js';
import type { DeviceKey } from '../../../device/client/index.js';
import { tempDir } from '../../support/stack.js';
import { serverDpopSettings, targetOf } from './server-side.js';

let key: DeviceKey;
let settings: ReturnType<typeof serverDpopSettings>;

beforeEach(async () => {
  key = await loadOrCreateDeviceKey(tempDir());
  settings = serverDpopSettings();
});

afterEach(() => settings.close());

describe('the enrollment proof', () => {
  it('signs server_nonce (decoded) || approval_reference (UTF-8) || client_nonce (decoded), and verifies with node:crypto', () => {
    const serverNonce = randomBytes(32);
    const clientNonce = randomBytes(32);
    const reference = 'enr_0193abcd';
    const sig = proofSig(key.privateKey, serverNonce.toString('base64'), reference, clientNonce.toString('base64'));
    // The layout built by hand, byte by byte, independently of the client.
    const message = Buffer.alloc(32 + reference.length + 32);
    serverNonce.copy(message, 0);
    message.write(reference, 32, 'utf8');
    clientNonce.copy(message, 32 + reference.length);
    expect(proofMessage(serverNonce.toString('base64'), reference, clientNonce.toString('base64'))).toEqual(message);
    // Checked with the public key as the server gets it: agent_pubkey, base64 SPKI DER.
    const agentKey = createPublicKey({ key: Buffer.from(key.agentPubkey, 'base64'), format: 'der', type: 'spki' });
    expect(verify(null, message, agentKey, Buffer.from(sig, 'base64'))).toBe(true);
    const otherNonce = Buffer.concat([message.subarray(0, -1), Buffer.from([message.at(-1)! ^ 1])]);
    expect(verify(null, otherNonce, agentKey, Buffer.from(sig, 'base64'))).toBe(false);
  });

  it('uses a fresh client nonce of 32 random bytes each time', () => {
    const nonces = new Set(Array.from({ length: 20 }, () => newClientNonce()));
    expect(nonces.size).toBe(20);
    for (const nonce of nonces) expect(Buffer.from(nonce, 'base64')).toHaveLength(32);
  });
});

describe('a DPoP proof from the client', () => {
  const url = 'https://borg.example.com/api/agent/heartbeat?since=1#top';

  it('passes the server verifier at the token endpoint (no ath), its key thumbprint being the device key', () => {
    const refresh = 'https://borg.example.com/api/agent/token/refresh';
    const proof = createDpopProof(key, { method: 'POST', url: refresh });
    const verified = verifyDpopProof({ dpop: proof, method: 'POST', target: targetOf(refresh) }, settings);
    expect(verified.jkt).toBe(jwkThumbprint(key.jwk));
    expect(verified.jwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: key.jwk.x });
  });

  it('passes the server verifier at a resource with ath, and names the URL without query and fragment', () => {
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJkZXZfMSJ9.c2ln';
    const proof = createDpopProof(key, { method: 'POST', url, accessToken: token });
    const accessToken = { token, jkt: jwkThumbprint(key.jwk) };
    expect(() => verifyDpopProof({ dpop: proof, method: 'POST', target: targetOf(url), accessToken }, settings)).not.toThrow();
    const [header, payload] = proof
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toEqual({ typ: 'dpop+jwt', alg: 'EdDSA', jwk: { kty: 'OKP', crv: 'Ed25519', x: key.jwk.x } });
    expect(payload).toEqual({
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      htm: 'POST',
      htu: 'https://borg.example.com/api/agent/heartbeat',
      iat: expect.any(Number),
      ath: accessTokenHash(token),
    });
    expect(dpopHtu(url)).toBe('https://borg.example.com/api/agent/heartbeat');
  });

  it('is refused by the server when replayed, or when the token it is sent with is another', () => {
    const proof = createDpopProof(key, { method: 'GET', url, accessToken: 'token-a' });
    const request = { dpop: proof, method: 'GET', target: targetOf(url), accessToken: { token: 'token-a', jkt: jwkThumbprint(key.jwk) } };
    verifyDpopProof(request, settings);
    expect(() => verifyDpopProof(request, settings)).toThrow('this jti was already used');
    const other = createDpopProof(key, { method: 'GET', url, accessToken: 'token-a' });
    expect(() =>
      verifyDpopProof({ ...request, dpop: other, accessToken: { token: 'token-b', jkt: request.accessToken.jkt } }, settings),
    ).toThrow('ath must be the hash of the access token');
  });

  it('carries the server nonce it was given, which a server that requires nonces accepts', () => {
    const strict = serverDpopSettings({ nonces: true });
    try {
      const target = targetOf(url);
      let issued = '';
      try {
        verifyDpopProof({ dpop: createDpopProof(key, { method: 'POST', url }), method: 'POST', target }, strict);
      } catch (error) {
        expect((error as DomainError).code).toBe('use_dpop_nonce');
        issued = String((error as DomainError).details?.nonce);
      }
      expect(issued).not.toBe('');
      const proof = createDpopProof(key, { method: 'POST', url, nonce: issued });
      expect(verifyDpopProof({ dpop: proof, method: 'POST', target }, strict).jkt).toBe(jwkThumbprint(key.jwk));
    } finally {
      strict.close();
    }
  });
});
