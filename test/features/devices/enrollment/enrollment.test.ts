import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestStack } from '../../../support/engine-control.js';
import type { TestStack } from '../../../support/engine-control.js';
import {
  deviceCall,
  enrollRequest,
  heartbeatBody,
  installCode,
  newDevice,
  nonce,
  poll,
  pollBody,
  pollUntilSettled,
} from '../../../support/devices.js';

describe('device enrollment (real server, real Temporal, real worker)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack(inject('temporalAddress'));
    await stack.startWorker();
  });
  afterAll(() => stack?.close());

  it('waits for an operator, who approves; the credentials go out once and work with DPoP', async () => {
    const code = await installCode(stack, { tags: ['lab', 'kiosk'] });
    const device = newDevice();
    const first = await enrollRequest(stack, device, code, 'Kiosk-1');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'pending', poll_after_ms: 5000 });
    expect(Buffer.from(first.body.signing_key, 'base64').length).toBe(44);
    // The same request again: the same enrollment, no second use of the code.
    const again = await enrollRequest(stack, device, code, 'kiosk-1');
    expect(again.body.approval_reference).toBe(first.body.approval_reference);

    expect((await poll(stack, device)).body).toEqual({ status: 'pending', poll_after_ms: 5000 });
    const pending = await stack.call('GET', '/enrollments?status=pending');
    const mine = pending.body.find((e: any) => e.reference === device.reference);
    expect(mine).toMatchObject({
      hostname: 'kiosk-1',
      tags: ['lab', 'kiosk'],
      approval: 'operator',
      workflow_id: `enroll-${device.fingerprint}`,
    });

    const approved = await stack.call('POST', `/enrollments/${device.reference}/approve`, { body: { tags: ['lab', 'floor-2'] } });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', decided_by: expect.stringMatching(/^operator:/) });

    const body = pollBody(device);
    const delivered = await poll(stack, device, body);
    expect(delivered.body).toMatchObject({ status: 'approved', token_type: 'DPoP', expires_in: 900, device_id: approved.body.device_id });
    expect(delivered.body.refresh_token).toMatch(/^brt_[A-Za-z0-9_-]{43}$/);
    // The same proof again is a replay; a fresh one finds the credentials handed out already.
    expect((await poll(stack, device, body)).body.error.code).toBe('proof_replayed');
    const second = await poll(stack, device);
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('credentials_delivered');

    const beat = await deviceCall(stack, device, 'POST', '/api/agent/heartbeat', heartbeatBody);
    expect(beat.status).toBe(200);
    expect(beat.body).toEqual({ device_id: device.deviceId, heartbeat_interval_s: 60 });
    const me = await deviceCall(stack, device, 'GET', '/api/agent/me');
    expect(me.body).toMatchObject({ id: device.deviceId, hostname: 'kiosk-1', tags: ['lab', 'floor-2'], online: true, status: 'active' });
    expect(me.body.inventory.services).toEqual([{ name: 'borg-agent', state: 'running' }]);

    const listed = await stack.call('GET', '/devices?tag=floor-2&online=true');
    expect(listed.body.map((d: any) => d.id)).toEqual([device.deviceId]);
    const decided = await stack.call('POST', `/enrollments/${device.reference}/deny`, { body: { reason: 'too late' } });
    expect(decided.status).toBe(409);
    expect(decided.body.error).toMatchObject({ code: 'ENROLLMENT_NOT_PENDING', message: expect.stringContaining('is approved') });
  });

  it('tells the device why it was denied', async () => {
    const device = newDevice();
    await enrollRequest(stack, device, await installCode(stack), 'denied-1');
    const denied = await stack.call('POST', `/enrollments/${device.reference}/deny`, { body: { reason: 'not one of ours' } });
    expect(denied.body).toMatchObject({ status: 'denied', reason: 'not one of ours' });
    expect((await poll(stack, device)).body).toEqual({ status: 'denied', reason: 'not one of ours' });
    // A denied key may ask again with a new enrollment.
    const again = await enrollRequest(stack, device, await installCode(stack), 'denied-1');
    expect(again.body.approval_reference).not.toBe(denied.body.reference);
  });

  it('approves at once on an auto-approving code and for a preauthorized key', async () => {
    const auto = newDevice();
    const reply = await enrollRequest(stack, auto, await installCode(stack, { auto_approve: true }), 'auto-1');
    expect(reply.body.status).toBe('approved');
    expect((await poll(stack, auto)).body.status).toBe('approved');

    const pre = newDevice();
    const made = await stack.call('POST', '/devices/preauthorize', { body: { public_key: pre.spki, hostname: 'pre-1', tags: ['pre'] } });
    expect(made.status).toBe(201);
    const asked = await enrollRequest(stack, pre, '', 'whatever-it-says');
    expect(asked.body.status).toBe('approved');
    const got = await poll(stack, pre);
    expect(got.body.status).toBe('approved');
    expect((await stack.call('GET', `/devices/${got.body.device_id}`)).body).toMatchObject({ hostname: 'pre-1', tags: ['pre'] });
  });

  it('refuses a taken hostname until the operator picks another', async () => {
    const holder = newDevice();
    await enrollRequest(stack, holder, await installCode(stack, { auto_approve: true }), 'taken-1');
    expect((await poll(stack, holder)).body.status).toBe('approved');
    const device = newDevice();
    await enrollRequest(stack, device, await installCode(stack), 'taken-1');
    const refused = await stack.call('POST', `/enrollments/${device.reference}/approve`, { body: {} });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'hostname_in_use', message: expect.stringContaining(holder.deviceId!) });
    expect((await stack.call('GET', `/enrollments/${device.reference}`)).body.status).toBe('pending');
    const renamed = await stack.call('POST', `/enrollments/${device.reference}/approve`, { body: { hostname: 'taken-2' } });
    expect(renamed.status).toBe(200);
    expect((await poll(stack, device)).body.status).toBe('approved');
  });

  it('answers every kind of bad code alike, and names every malformed field', async () => {
    const used = await installCode(stack, { max_uses: 1 });
    await enrollRequest(stack, newDevice(), used, 'used-1');
    const revokedCode = await stack.call('POST', '/install-codes', { body: { ttl_s: 3600, max_uses: 1, tags: [] } });
    await stack.call('DELETE', `/install-codes/${revokedCode.body.install_code.id}`);
    const replies = await Promise.all(
      ['AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG', used, revokedCode.body.code].map((code) => enrollRequest(stack, newDevice(), code, 'x-1')),
    );
    for (const reply of replies) {
      expect(reply.status).toBe(403);
      expect(reply.body.error).toEqual({ code: 'invalid_enrollment_code', message: replies[0]!.body.error.message });
    }

    const device = newDevice();
    const cases: [Record<string, unknown>, number, string, string][] = [
      [{ hostname: '' }, 400, 'hostname_required', 'body.hostname'],
      [{ hostname: 'a'.repeat(254) }, 400, 'invalid_hostname', 'body.hostname'],
      [{ hostname: 'bad\u0007host' }, 400, 'invalid_hostname', 'body.hostname'],
      [{ agent_pubkey: 'not base64!' }, 400, 'invalid_agent_pubkey', 'body.agent_pubkey'],
      [{ agent_pubkey: Buffer.alloc(44).toString('base64') }, 400, 'invalid_agent_pubkey', 'body.agent_pubkey'],
      [{ agent_pubkey: `${device.spki.slice(0, -4)}AAAA` }, 400, 'invalid_agent_pubkey', 'body.agent_pubkey'],
      [{ client_nonce: nonce(8) }, 400, 'invalid_client_nonce', 'body.client_nonce'],
      [{ client_nonce: 'x' }, 400, 'invalid_client_nonce', 'body.client_nonce'],
      [{ extra: 1 }, 400, 'VALIDATION_FAILED', 'body.extra'],
      [{ hostname: 5 }, 400, 'VALIDATION_FAILED', 'body.hostname'],
    ];
    const code = await installCode(stack);
    for (const [extra, status, errorCode, field] of cases) {
      const reply = await enrollRequest(stack, device, code, 'ok-1', extra);
      expect(reply.status, JSON.stringify(extra)).toBe(status);
      expect(reply.body.error.code, JSON.stringify(extra)).toBe(errorCode);
      expect(reply.body.error.details.fields.map((f: any) => f.field)).toContain(field);
    }
    // Nothing was half-written: no refused request used the code.
    const codes = await stack.call('GET', '/install-codes');
    expect(codes.body.at(-1).uses).toBe(0);
    const unknown = await poll(stack, { ...newDevice(), reference: 'enr_nothing', serverNonce: nonce(32) });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('unknown_approval_reference');
    const forged = {
      ...newDevice(),
      reference: device.reference ?? (await enrollRequest(stack, device, code, 'ok-2')).body.approval_reference,
      serverNonce: device.serverNonce,
    };
    const refused = await poll(stack, forged);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_proof_sig');
  });
});

describe('an enrollment nobody decides', () => {
  it('expires at its deadline, and the device is told', async () => {
    const stack = await startTestStack(inject('temporalAddress'), undefined, {
      BORG_ENROLL_DEADLINE: '3s',
      BORG_ENROLL_RATE_PER_KEY: '1000',
    });
    try {
      await stack.startWorker();
      const device = newDevice();
      await enrollRequest(stack, device, await installCode(stack), 'late-1');
      const reply = await pollUntilSettled(stack, device, 20_000);
      expect(reply.body).toEqual({ status: 'expired' });
      const late = await stack.call('POST', `/enrollments/${device.reference}/approve`, { body: {} });
      expect(late.status).toBe(409);
      expect(late.body.error.message).toContain('is expired');
    } finally {
      await stack.close();
    }
  });
});
