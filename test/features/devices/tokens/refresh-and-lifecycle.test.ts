import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runScript } from '../../../support/process.js';
import { startTestStack } from '../../../support/engine-control.js';
import type { TestStack } from '../../../support/engine-control.js';
import { deviceCall, enrolledDevice, enrollRequest, installCode, poll, refresh } from '../../../support/devices.js';
import type { TestDevice } from '../../../support/devices.js';

const actions = (stack: TestStack, after: number) =>
  (stack.db.prepare('SELECT action, actor, request_id, details FROM audit_log WHERE seq > ? ORDER BY seq').all(after) as any[]).map(
    (r) => ({
      ...r,
      details: JSON.parse(r.details),
    }),
  );
const lastSeq = (stack: TestStack) => (stack.db.prepare('SELECT max(seq) AS seq FROM audit_log').get() as { seq: number }).seq;

const me = (stack: TestStack, device: TestDevice) => deviceCall(stack, device, 'GET', '/api/agent/me');

describe('device tokens: rotation, reuse, races, quarantine, revoke, purge', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack(inject('temporalAddress'));
    await stack.startWorker();
  });
  afterAll(() => stack?.close());

  it('rotates the refresh token on every use, and audits it', async () => {
    const device = await enrolledDevice(stack);
    const first = device.refreshToken!;
    const seq = lastSeq(stack);
    const reply = await refresh(stack, device);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ token_type: 'DPoP', expires_in: 900 });
    expect(reply.body.refresh_token).not.toBe(first);
    expect((await me(stack, device)).status).toBe(200);
    expect(actions(stack, seq)).toEqual([expect.objectContaining({ action: 'token_family.rotated', actor: `device:${device.deviceId}` })]);
  });

  it('revokes the whole family when a rotated-out token comes back, and refuses the next legitimate refresh', async () => {
    const device = await enrolledDevice(stack);
    const stolen = device.refreshToken!;
    expect((await refresh(stack, device)).status).toBe(200);
    const seq = lastSeq(stack);
    const reuse = await refresh(stack, device, { token: stolen });
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toMatchObject({ code: 'invalid_grant', message: expect.stringContaining('family is revoked') });
    const legit = await refresh(stack, device);
    expect(legit.status).toBe(400);
    expect(legit.body.error.code).toBe('invalid_grant');
    expect(actions(stack, seq).map((a) => a.action)).toEqual(['refresh.reuse_detected', 'token_family.revoked']);
    // The access token it holds lives out its 15 minutes: revoking a family ends refreshes, quarantine ends tokens.
    expect((await me(stack, device)).status).toBe(200);
  });

  it('lets exactly one of two racing refreshes with the same token win; the loser is a reuse', async () => {
    const device = await enrolledDevice(stack);
    const copy: TestDevice = { ...device };
    const [a, b] = await Promise.all([refresh(stack, device), refresh(stack, copy)]);
    expect([a.status, b.status].sort()).toEqual([200, 400]);
    const loser = a.status === 400 ? a : b;
    expect(loser.body.error.code).toBe('invalid_grant');
    const winner = a.status === 200 ? device : copy;
    expect((await refresh(stack, winner)).body.error.code).toBe('invalid_grant');
  });

  it('refuses a refresh with a proof of another key, without revoking the family', async () => {
    const device = await enrolledDevice(stack);
    const other = await enrolledDevice(stack);
    const wrong = await refresh(stack, other, { token: device.refreshToken! });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toContain('bound to another key');
    expect((await refresh(stack, device)).status).toBe(200);
  });

  it('quarantine ends every token at the next call and stops refreshes; unquarantine lets the device refresh again', async () => {
    const device = await enrolledDevice(stack);
    expect((await me(stack, device)).status).toBe(200);
    const q = await stack.call('POST', `/devices/${device.deviceId}/quarantine`, { body: { reason: 'odd traffic' } });
    expect(q.body).toMatchObject({ status: 'quarantined', status_reason: 'odd traffic', token_version: 1 });
    const refused = await me(stack, device);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const blocked = await refresh(stack, device);
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.code).toBe('device_quarantined');
    const lifted = await stack.call('POST', `/devices/${device.deviceId}/unquarantine`);
    expect(lifted.body).toMatchObject({ status: 'active', token_version: 1 });
    expect((await me(stack, device)).status).toBe(401);
    expect((await refresh(stack, device)).status).toBe(200);
    expect((await me(stack, device)).body.token_version).toBe(1);
    const again = await stack.call('POST', `/devices/${device.deviceId}/unquarantine`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('DEVICE_NOT_QUARANTINED');
  });

  it('revoke ends tokens and refresh families for good, and the key cannot enroll again until purged', async () => {
    const device = await enrolledDevice(stack);
    const seq = lastSeq(stack);
    expect((await stack.call('POST', `/devices/${device.deviceId}/revoke`, { body: { reason: 'stolen' } })).body.status).toBe('revoked');
    expect(actions(stack, seq).map((a) => a.action)).toEqual(['device.revoked', 'token_family.revoked']);
    expect((await me(stack, device)).status).toBe(401);
    expect((await refresh(stack, device)).body.error.code).toBe('invalid_grant');
    const back = await enrollRequest(stack, device, await installCode(stack), 'revoked-again');
    expect(back.status).toBe(403);
    expect(back.body.error.code).toBe('device_revoked');
    const reader = stack.keyFor('operator');
    const purge = await stack.call('DELETE', `/devices/${device.deviceId}`, { operator: reader });
    expect(purge.status).toBe(403);
  });

  it('purge makes old credentials fail forever; the key comes back only by enrolling again, as a new device', async () => {
    const device = await enrolledDevice(stack, 'purged-1');
    const old = { ...device };
    expect((await stack.call('DELETE', `/devices/${device.deviceId}`)).status).toBe(204);
    expect((await stack.call('GET', `/devices/${device.deviceId}`)).status).toBe(404);
    const gone = await me(stack, old);
    expect(gone.status).toBe(401);
    expect(gone.body.error.message).toContain('no longer exists');
    expect((await refresh(stack, old)).body.error.code).toBe('invalid_grant');
    const code = await installCode(stack, { auto_approve: true });
    expect((await enrollRequest(stack, device, code, 'purged-1')).body.status).toBe('approved');
    const fresh = await poll(stack, device);
    expect(fresh.body.device_id).not.toBe(old.deviceId);
    expect((await me(stack, old)).status).toBe(401);
    expect((await me(stack, device)).body.hostname).toBe('purged-1');
  });

  it('audits the device story with actor and request id', async () => {
    const seq = lastSeq(stack);
    const device = await enrolledDevice(stack);
    await stack.call('POST', `/devices/${device.deviceId}/quarantine`, { body: {} });
    const entries = actions(stack, seq);
    expect(entries.map((e) => e.action)).toEqual([
      'install_code.created',
      'enrollment.requested',
      'enrollment.approved',
      'token_family.issued',
      'device.quarantined',
    ]);
    expect(entries.every((e) => typeof e.actor === 'string' && e.actor !== 'anonymous')).toBe(true);
    expect(entries.find((e) => e.action === 'enrollment.requested').actor).toBe(`agent:${device.fingerprint}`);
    expect(entries.find((e) => e.action === 'device.quarantined').request_id).toMatch(/.+/);
    expect((await stack.call('GET', '/audit/verify')).body.ok).toBe(true);
  });

  it('rotates the signing key with borgctl: new tokens carry the new kid, old ones verify until they expire', async () => {
    const device = await enrolledDevice(stack);
    const oldKid = decodeProtectedHeader(device.accessToken!).kid;
    const old = { ...device };
    const run = runScript('borgctl', { BORG_DATA_DIR: stack.config.dataDir }, ['device-keys', 'rotate']);
    const { code } = await run.exited;
    expect(code, run.output()).toBe(0);
    const newKid = /signed with key (\S+);/.exec(run.output())![1];
    expect(newKid).not.toBe(oldKid);
    expect((await refresh(stack, device)).status).toBe(200);
    expect(decodeProtectedHeader(device.accessToken!).kid).toBe(newKid);
    expect((await me(stack, device)).status).toBe(200);
    expect((await me(stack, old)).status).toBe(200);
    const jwks: any = await fetch(`${stack.url}/.well-known/jwks.json`).then((r) => r.json());
    expect(jwks.keys.map((k: any) => k.kid)).toEqual([newKid, oldKid]);
    expect(
      actions(stack, 0)
        .filter((a) => a.action === 'device_token_key.rotated')
        .map((a) => a.details.kid),
    ).toEqual([newKid]);
  });
});
