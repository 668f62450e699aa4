import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PreauthorizationService } from '../../../../src/features/devices/preauthorizations/service.js';
import { startTestStack } from '../../../support/engine-control.js';
import type { TestStack } from '../../../support/engine-control.js';

interface AuditRow {
  actor: string;
  action: string;
  request_id: string | null;
  details: string;
}

const spki = (type: 'ed25519' | 'x25519' | 'ed448') =>
  generateKeyPairSync(type as 'ed25519').publicKey.export({ format: 'der', type: 'spki' });
const rsaSpki = () =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
const fingerprintOf = (der: Buffer) => createHash('sha256').update(der).digest('hex');
const newKey = () => {
  const der = spki('ed25519');
  return { public_key: der.toString('base64'), fingerprint: fingerprintOf(der) };
};
const keyRule = 'must be an Ed25519 public key: the standard base64 of its SPKI DER encoding';

describe('device preauthorizations over the API', () => {
  let s: TestStack;
  let preauthorizations: PreauthorizationService;
  let adminId: string;
  const listed = async (fingerprint: string) =>
    (await s.call('GET', '/devices/preauthorizations')).body.find((p: { fingerprint: string }) => p.fingerprint === fingerprint);
  const entriesFor = (fingerprint: string): AuditRow[] =>
    (s.db.prepare("SELECT * FROM audit_log WHERE action LIKE 'device.preauthori%' ORDER BY seq").all() as AuditRow[]).filter(
      (r) => JSON.parse(r.details).fingerprint === fingerprint,
    );
  const count = () => (s.db.prepare('SELECT count(*) AS n FROM device_preauthorizations').get() as { n: number }).n;

  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
    preauthorizations = s.server.app.devices.preauthorizations;
    adminId = s.adminKey.slice(s.adminKey.lastIndexOf('.') + 1);
  });
  afterAll(() => s.close());

  it('preauthorizes a key given as its public key, under its fingerprint, and refuses it a second time with a 409', async () => {
    const key = newKey();
    const res = await s.call('POST', '/devices/preauthorize', {
      body: { public_key: key.public_key, hostname: 'Gateway-1.lab.example', tags: ['site:lab', 'gateway'] },
      operator: s.keyFor('operator'),
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      fingerprint: key.fingerprint,
      hostname: 'gateway-1.lab.example',
      tags: ['site:lab', 'gateway'],
      created_at: expect.any(String),
      created_by: expect.stringMatching(/^operator:key_/),
      used_at: null,
    });
    const list = await s.call('GET', '/devices/preauthorizations', { operator: s.keyFor('reader') });
    expect(list.status).toBe(200);
    expect(list.body.find((p: { fingerprint: string }) => p.fingerprint === key.fingerprint)).toEqual(res.body);

    for (const body of [
      { fingerprint: key.fingerprint, tags: [] },
      { public_key: key.public_key, tags: ['other'] },
    ]) {
      const again = await s.call('POST', '/devices/preauthorize', { body });
      expect(again.status).toBe(409);
      expect(again.body.error).toEqual({
        code: 'PREAUTHORIZATION_EXISTS',
        message: `the device key ${key.fingerprint} is already preauthorized`,
        details: { fingerprint: key.fingerprint },
      });
    }
    expect(await listed(key.fingerprint)).toEqual(res.body);
  });

  it('preauthorizes a key given as its fingerprint, without a host name', async () => {
    const { fingerprint } = newKey();
    const res = await s.call('POST', '/devices/preauthorize', { body: { fingerprint, tags: [] } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ fingerprint, hostname: null, tags: [], created_by: `operator:${adminId}`, used_at: null });
  });

  it('hands enrollment an unused preauthorization once, and keeps a used one as a record', async () => {
    const { fingerprint } = newKey();
    await s.call('POST', '/devices/preauthorize', { body: { fingerprint, hostname: 'edge-7', tags: ['t'] } });
    expect(preauthorizations.find(fingerprint)).toEqual({ fingerprint, hostname: 'edge-7', tags: ['t'] });
    const now = new Date().toISOString();
    expect(preauthorizations.markUsed(fingerprint, now)).toBe(true);
    expect(preauthorizations.find(fingerprint)).toBeUndefined();
    expect(preauthorizations.markUsed(fingerprint, now)).toBe(false);
    expect(preauthorizations.find('0'.repeat(64))).toBeUndefined();
    expect(await listed(fingerprint)).toMatchObject({ used_at: now });

    const removed = await s.call('DELETE', `/devices/preauthorizations/${fingerprint}`);
    expect(removed.status).toBe(409);
    expect(removed.body.error).toEqual({
      code: 'PREAUTHORIZATION_USED',
      message: `the preauthorization of ${fingerprint} was used at ${now}; it stays as a record`,
      details: { fingerprint, used_at: now },
    });
    expect(await listed(fingerprint)).toMatchObject({ used_at: now });
  });

  it('removes an unused preauthorization once: then 404', async () => {
    const { fingerprint } = newKey();
    await s.call('POST', '/devices/preauthorize', { body: { fingerprint, tags: [] } });
    expect((await s.call('DELETE', `/devices/preauthorizations/${fingerprint}`, { operator: s.keyFor('operator') })).status).toBe(204);
    expect(await listed(fingerprint)).toBeUndefined();
    expect(preauthorizations.find(fingerprint)).toBeUndefined();
    const again = await s.call('DELETE', `/devices/preauthorizations/${fingerprint}`);
    expect(again.status).toBe(404);
    expect(again.body.error).toEqual({
      code: 'PREAUTHORIZATION_NOT_FOUND',
      message: `the device key ${fingerprint} is not preauthorized`,
      details: { fingerprint },
    });
  });

  it('records who preauthorized and who removed a key, under which request', async () => {
    const { fingerprint } = newKey();
    await s.call('POST', '/devices/preauthorize', {
      body: { fingerprint, hostname: 'edge-9', tags: ['a'] },
      headers: { 'x-request-id': 'req-pre-create' },
    });
    await s.call('DELETE', `/devices/preauthorizations/${fingerprint}`, { headers: { 'x-request-id': 'req-pre-remove' } });
    expect(
      entriesFor(fingerprint).map(({ actor, action, request_id, details }) => ({
        actor,
        action,
        request_id,
        details: JSON.parse(details),
      })),
    ).toEqual([
      {
        actor: `operator:${adminId}`,
        action: 'device.preauthorized',
        request_id: 'req-pre-create',
        details: { fingerprint, hostname: 'edge-9', tags: ['a'] },
      },
      {
        actor: `operator:${adminId}`,
        action: 'device.preauthorization_removed',
        request_id: 'req-pre-remove',
        details: { fingerprint, hostname: 'edge-9', tags: ['a'] },
      },
    ]);
    expect((await s.call('GET', '/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('lets readers list, and only operators and admins preauthorize and remove', async () => {
    const reader = s.keyFor('reader');
    const { fingerprint } = newKey();
    const refused = await s.call('POST', '/devices/preauthorize', { operator: reader, body: { fingerprint, tags: [] } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
    expect(await listed(fingerprint)).toBeUndefined();
    await s.call('POST', '/devices/preauthorize', { body: { fingerprint, tags: [] } });
    expect((await s.call('DELETE', `/devices/preauthorizations/${fingerprint}`, { operator: reader })).status).toBe(403);
    expect(await listed(fingerprint)).toBeDefined();
    expect((await fetch(`${s.url}/devices/preauthorizations`)).status).toBe(401);
  });

  const notBase64 = 'must be standard base64, with padding';
  const hostWords =
    'must be a host name (RFC 1123): dot-separated labels of 1 to 63 letters, digits or "-", none starting or ending with "-"';
  it.each([
    [
      'random bytes',
      () => ({ public_key: randomBytes(44).toString('base64') }),
      'body.public_key',
      `${keyRule}; this is not an SPKI public key`,
    ],
    ['an RSA key', () => ({ public_key: rsaSpki() }), 'body.public_key', `${keyRule}; this key's type is rsa`],
    [
      'an X25519 key',
      () => ({ public_key: spki('x25519').toString('base64') }),
      'body.public_key',
      `${keyRule}; this key's type is x25519`,
    ],
    [
      'an Ed25519 key with a byte after it',
      () => ({ public_key: Buffer.concat([spki('ed25519'), Buffer.from([0])]).toString('base64') }),
      'body.public_key',
      `${keyRule}; this one is not in its canonical DER form`,
    ],
    [
      'a PEM key in base64',
      () => ({
        public_key: Buffer.from(generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' })).toString('base64'),
      }),
      'body.public_key',
      `${keyRule}; this is not an SPKI public key`,
    ],
    ['base64url', () => ({ public_key: 'MCowBQYDK2VwAyEA_-_-' }), 'body.public_key', notBase64],
    ['base64 without padding', () => ({ public_key: 'MCowBQYDK2VwAyEA' + 'AA' }), 'body.public_key', notBase64],
    ['base64 with stray bits', () => ({ public_key: 'AB==' }), 'body.public_key', `${keyRule}; this is not standard base64`],
    ['an empty key', () => ({ public_key: '' }), 'body.public_key', 'must NOT have fewer than 1 characters'],
    ['both a key and a fingerprint', () => newKey(), 'body.fingerprint', 'must not be sent with body.public_key: send one of them'],
    ['neither a key nor a fingerprint', () => ({}), 'body.public_key', 'or body.fingerprint is required'],
    ['an upper-case fingerprint', () => ({ fingerprint: 'A'.repeat(64) }), 'body.fingerprint', 'must be 64 lowercase hexadecimal digits'],
    ['a short fingerprint', () => ({ fingerprint: 'a'.repeat(63) }), 'body.fingerprint', 'must be 64 lowercase hexadecimal digits'],
    ['a host name starting with "-"', () => ({ hostname: '-edge' }), 'body.hostname', hostWords],
    ['an empty label', () => ({ hostname: 'edge..lab' }), 'body.hostname', hostWords],
    ['an underscore', () => ({ hostname: 'edge_1' }), 'body.hostname', hostWords],
    ['a label of 64', () => ({ hostname: `${'a'.repeat(64)}.lab` }), 'body.hostname', hostWords],
    [
      'a name of 254',
      () => ({ hostname: Array.from({ length: 4 }, () => 'a'.repeat(63)).join('.') + '.a' }),
      'body.hostname',
      'must NOT have more than 253 characters',
    ],
    [
      'an upper-case tag',
      () => ({ tags: ['Lab'] }),
      'body.tags.0',
      'must be 1 to 63 lowercase letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
    ],
    ['no tags', () => ({ tags: undefined }), 'body.tags', 'is required'],
    ['an unknown field', () => ({ device_id: 'dev_1' }), 'body.device_id', 'is not allowed'],
  ])('refuses %s with a 400 naming the field, and stores nothing', async (_what, change, field, message) => {
    const before = count();
    const hasKey = (body: object) => 'public_key' in body || 'fingerprint' in body || Object.keys(body).length === 0;
    const changed = change();
    const body = { ...(hasKey(changed) ? {} : { fingerprint: newKey().fingerprint }), tags: [], ...changed };
    const res = await s.call('POST', '/devices/preauthorize', { body });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error).toEqual({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining(field),
      details: { fields: [{ field, message }] },
    });
    expect(count()).toBe(before);
  });

  it('refuses a malformed fingerprint in the path with a 400', async () => {
    const res = await s.call('DELETE', '/devices/preauthorizations/ABC');
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields).toEqual([{ field: 'params.fingerprint', message: 'must be 64 lowercase hexadecimal digits' }]);
  });
});
