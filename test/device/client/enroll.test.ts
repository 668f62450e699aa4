import { createPublicKey, verify } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CREDENTIALS_FILE,
  DeviceApiError,
  DeviceClient,
  EnrollmentDeniedError,
  EnrollmentExpiredError,
  proofMessage,
} from '../../../device/client/index.js';
import type { EnrollmentStatus } from '../../../device/client/index.js';
import { tempDir } from '../../support/stack.js';
import { failure, json, scriptedFetch } from './scripted-fetch.js';
import type { Sent } from './scripted-fetch.js';

const baseUrl = 'https://borg.example.com';
const serverNonce = Buffer.alloc(32, 9).toString('base64');
const signingKey = 'MCowBQYDK2VwAyEAjobSigningKeyBase64Spki0000000000=';

const requested = (status: 'pending' | 'approved', pollAfterMs = 20) =>
  json(200, { status, approval_reference: 'enr_1', server_nonce: serverNonce, poll_after_ms: pollAfterMs, signing_key: signingKey });
const pending = (pollAfterMs = 20) => json(200, { status: 'pending', poll_after_ms: pollAfterMs });
const approved = () =>
  json(200, { status: 'approved', device_id: 'dev_1', access_token: 'at-1', expires_in: 900, refresh_token: 'rt-1', token_type: 'DPoP' });

/** Whether a poll's proof_sig verifies under the agent_pubkey the request sent, over the protocol's bytes. */
function proofVerifies(request: Sent, poll: Sent): boolean {
  const key = createPublicKey({ key: Buffer.from(request.body.agent_pubkey, 'base64'), format: 'der', type: 'spki' });
  const message = proofMessage(serverNonce, poll.body.approval_reference, poll.body.client_nonce);
  return verify(null, message, key, Buffer.from(poll.body.proof_sig, 'base64'));
}

describe('enrolling', () => {
  it('requests, polls with a fresh nonce and proof each time as poll_after_ms says, and stores the credentials', async () => {
    const stateDir = tempDir();
    const { fetch, sent } = scriptedFetch(
      () => requested('pending', 50),
      () => pending(80),
      () => approved(),
    );
    const statuses: EnrollmentStatus[] = [];
    const times: number[] = [];
    const client = new DeviceClient({ baseUrl, stateDir, fetch: (input, init) => (times.push(Date.now()), fetch(input, init)) });
    const result = await client.enroll({ hostname: 'edge-01', enrollmentCode: 'ABCD-EFGH', onStatus: (status) => statuses.push(status) });

    expect(result).toEqual({ deviceId: 'dev_1' });
    const key = await client.deviceKey();
    const [request, ...polls] = sent;
    expect(request).toMatchObject({ method: 'POST', url: `${baseUrl}/api/agent/enroll/request` });
    expect(request!.body).toEqual({
      hostname: 'edge-01',
      enrollment_code: 'ABCD-EFGH',
      agent_pubkey: key.agentPubkey,
      client_nonce: expect.any(String),
    });
    expect(Buffer.from(request!.body.client_nonce, 'base64').length).toBeGreaterThanOrEqual(16);
    expect(polls.map((poll) => poll.url)).toEqual([`${baseUrl}/api/agent/enroll/poll`, `${baseUrl}/api/agent/enroll/poll`]);
    for (const poll of polls) {
      expect(Object.keys(poll.body).sort()).toEqual(['approval_reference', 'client_nonce', 'proof_sig']);
      expect(proofVerifies(request!, poll)).toBe(true);
    }
    const nonces = sent.map((one) => one.body.client_nonce);
    expect(new Set(nonces).size).toBe(3);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(45);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(75);
    expect(statuses).toEqual([
      { status: 'pending', approvalReference: 'enr_1', pollAfterMs: 50 },
      { status: 'pending', approvalReference: 'enr_1', pollAfterMs: 80 },
    ]);

    const file = join(stateDir, CREDENTIALS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      device_id: 'dev_1',
      access_token: 'at-1',
      access_token_expires_at: expect.any(String),
      refresh_token: 'rt-1',
      signing_key: signingKey,
    });
    expect((await client.credentials())!.accessTokenExpiresAt).toBeGreaterThan(Date.now() + 890_000);
  });

  it('polls at once when the request is approved already (a preauthorized key)', async () => {
    const { fetch, sent } = scriptedFetch(
      () => requested('approved', 60_000),
      () => approved(),
    );
    const statuses: EnrollmentStatus[] = [];
    const client = new DeviceClient({ baseUrl, stateDir: tempDir(), fetch });
    await expect(client.enroll({ hostname: 'edge-01', enrollmentCode: '', onStatus: (s) => statuses.push(s) })).resolves.toEqual({
      deviceId: 'dev_1',
    });
    expect(sent).toHaveLength(2);
    expect(statuses).toEqual([{ status: 'approved', approvalReference: 'enr_1', pollAfterMs: 0 }]);
  });

  it('waits as Retry-After says when rate limited, then sends again; a rate-limited poll goes again with a new nonce', async () => {
    const { fetch, sent } = scriptedFetch(
      () => failure(429, 'rate_limited', 'too many enrollment requests', { 'retry-after': '1' }),
      () => requested('pending', 10),
      () => failure(429, 'rate_limited', 'slow down', { 'retry-after': '0' }),
      () => approved(),
    );
    const log: string[] = [];
    const started = Date.now();
    const client = new DeviceClient({ baseUrl, stateDir: tempDir(), fetch, log: (line) => log.push(line) });
    await client.enroll({ hostname: 'edge-01', enrollmentCode: 'ABCD-EFGH' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(sent.map((one) => one.url.split('/').pop())).toEqual(['request', 'request', 'poll', 'poll']);
    expect(sent[2]!.body.client_nonce).not.toBe(sent[3]!.body.client_nonce);
    expect(proofVerifies(sent[1]!, sent[3]!)).toBe(true);
    expect(log).toEqual([
      'POST /api/agent/enroll/request was rate limited; trying again in 1 s',
      'POST /api/agent/enroll/poll was rate limited; trying again in 0 s',
    ]);
  });

  it('fails with the reason when an operator denies, storing nothing', async () => {
    const stateDir = tempDir();
    const { fetch } = scriptedFetch(
      () => requested('pending'),
      () => json(200, { status: 'denied', reason: 'not one of ours' }),
    );
    const enrolling = new DeviceClient({ baseUrl, stateDir, fetch }).enroll({ hostname: 'edge-01', enrollmentCode: 'ABCD-EFGH' });
    await expect(enrolling).rejects.toThrow(EnrollmentDeniedError);
    await expect(enrolling).rejects.toMatchObject({
      reason: 'not one of ours',
      approvalReference: 'enr_1',
      message: 'enrollment enr_1 was denied: not one of ours',
    });
    expect(existsSync(join(stateDir, CREDENTIALS_FILE))).toBe(false);
  });

  it('fails when the enrollment expires', async () => {
    const { fetch } = scriptedFetch(
      () => requested('pending'),
      () => pending(),
      () => json(200, { status: 'expired' }),
    );
    const enrolling = new DeviceClient({ baseUrl, stateDir: tempDir(), fetch }).enroll({ hostname: 'edge-01', enrollmentCode: 'X' });
    await expect(enrolling).rejects.toThrow(EnrollmentExpiredError);
    await expect(enrolling).rejects.toThrow('enrollment enr_1 expired before an operator approved it; enroll again to start a new request');
  });

  it('fails with a DeviceApiError for an unknown approval reference, and for a refused install code (not retried)', async () => {
    const unknown = scriptedFetch(
      () => requested('pending'),
      () => failure(404, 'unknown_approval_reference', 'no enrollment enr_1'),
    );
    await expect(
      new DeviceClient({ baseUrl, stateDir: tempDir(), fetch: unknown.fetch }).enroll({ hostname: 'h', enrollmentCode: 'X' }),
    ).rejects.toMatchObject({
      name: 'DeviceApiError',
      status: 404,
      code: 'unknown_approval_reference',
      message: 'POST /api/agent/enroll/poll was refused with 404 unknown_approval_reference: no enrollment enr_1',
    });
    const refused = scriptedFetch(() => failure(403, 'invalid_enrollment_code', 'the install code is not valid'));
    const enrolling = new DeviceClient({ baseUrl, stateDir: tempDir(), fetch: refused.fetch }).enroll({
      hostname: 'h',
      enrollmentCode: 'X',
    });
    await expect(enrolling).rejects.toThrow(DeviceApiError);
    await expect(enrolling).rejects.toMatchObject({ status: 403, code: 'invalid_enrollment_code' });
    expect(refused.sent).toHaveLength(1);
  });

  it('stops waiting when aborted, with the signal reason', async () => {
    const { fetch, sent } = scriptedFetch(() => requested('pending', 60_000));
    const controller = new AbortController();
    const enrolling = new DeviceClient({ baseUrl, stateDir: tempDir(), fetch }).enroll({
      hostname: 'edge-01',
      enrollmentCode: 'X',
      signal: controller.signal,
      onStatus: () => setTimeout(() => controller.abort(new Error('shutting down')), 20),
    });
    const started = Date.now();
    await expect(enrolling).rejects.toThrow('shutting down');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(sent).toHaveLength(1);
  });
});
