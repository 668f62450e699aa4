import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jwkThumbprint } from '../../../src/features/devices/dpop/thumbprint.js';
import { verifyDpopProof } from '../../../src/features/devices/dpop/verify-proof.js';
import { CREDENTIALS_FILE, CredentialsStore, DeviceApiError, DeviceClient, NotEnrolledError } from '../../../device/client/index.js';
import type { FetchLike, HeartbeatRequest } from '../../../device/client/index.js';
import { eventually } from '../../support/eventually.js';
import { tempDir } from '../../support/stack.js';
import { failure, json, scriptedFetch } from './scripted-fetch.js';
import type { Sent } from './scripted-fetch.js';
import { serverDpopSettings, targetOf } from './server-side.js';

const baseUrl = 'https://borg.example.com';
let stateDir: string;
let settings: ReturnType<typeof serverDpopSettings>;

const grant = (n: number) => json(200, { access_token: `at-${n}`, expires_in: 900, refresh_token: `rt-${n}`, token_type: 'DPoP' });
const challenge = (error: string, headers: Record<string, string> = {}) =>
  failure(401, error, `DPoP: ${error}`, { 'www-authenticate': `DPoP error="${error}"`, ...headers });
const payload = (sent: Sent): Record<string, unknown> =>
  JSON.parse(Buffer.from(sent.headers.get('dpop')!.split('.')[1]!, 'base64url').toString());
const onDisk = (): Record<string, string> => JSON.parse(readFileSync(join(stateDir, CREDENTIALS_FILE), 'utf8'));

/** Checks a sent request as the server would: the proof with the server's verifier, bound to the token sent. */
async function verifiedByServer(client: DeviceClient, sent: Sent): Promise<void> {
  const authorization = sent.headers.get('authorization');
  const token = authorization?.replace(/^DPoP /, '');
  const jkt = jwkThumbprint((await client.deviceKey()).jwk);
  verifyDpopProof(
    { dpop: sent.headers.get('dpop')!, method: sent.method, target: targetOf(sent.url), ...(token ? { accessToken: { token, jkt } } : {}) },
    settings,
  );
}

beforeEach(async () => {
  stateDir = tempDir();
  settings = serverDpopSettings();
  await new CredentialsStore(stateDir).set({
    deviceId: 'dev_1',
    accessToken: 'at-0',
    accessTokenExpiresAt: Date.now() + 10 * 60_000,
    refreshToken: 'rt-0',
    signingKey: 'MCowBQYDK2VwAyEA',
  });
});

afterEach(() => settings.close());

const client = (fetch: FetchLike, base = baseUrl) => new DeviceClient({ baseUrl: base, stateDir, fetch });

describe('an authenticated call', () => {
  it('sends Authorization: DPoP <token> and a proof with ath that the server verifier accepts', async () => {
    const { fetch, sent } = scriptedFetch(() => json(200, { id: 'dev_1', hostname: 'edge-01' }));
    const device = client(fetch);
    expect(await device.me()).toEqual({ id: 'dev_1', hostname: 'edge-01' });
    expect(sent[0]).toMatchObject({ method: 'GET', url: `${baseUrl}/api/agent/me` });
    expect(sent[0]!.headers.get('authorization')).toBe('DPoP at-0');
    await verifiedByServer(device, sent[0]!);
  });

  it('keeps a base URL path prefix, and sends the method upper case in the request and in htm', async () => {
    const { fetch, sent } = scriptedFetch(() => json(200, {}));
    const device = client(fetch, 'https://proxy.example.com/borg/');
    await device.fetch('/api/agent/things?x=1', { method: 'patch', body: '{}' });
    expect(sent[0]).toMatchObject({ method: 'PATCH', url: 'https://proxy.example.com/borg/api/agent/things?x=1' });
    expect(payload(sent[0]!)).toMatchObject({ htm: 'PATCH', htu: 'https://proxy.example.com/borg/api/agent/things' });
    await verifiedByServer(device, sent[0]!);
  });

  it('refreshes and retries once on 401 invalid_token, and gives the second 401 to the caller', async () => {
    const { fetch, sent } = scriptedFetch(
      () => challenge('invalid_token'),
      () => grant(1),
      () => challenge('invalid_token'),
    );
    const device = client(fetch);
    const response = await device.fetch('/api/agent/me');
    expect(response.status).toBe(401);
    expect(sent.map((one) => `${one.method} ${new URL(one.url).pathname} ${one.headers.get('authorization') ?? '-'}`)).toEqual([
      'GET /api/agent/me DPoP at-0',
      'POST /api/agent/token/refresh -',
      'GET /api/agent/me DPoP at-1',
    ]);
    expect(sent[1]!.body).toEqual({ refresh_token: 'rt-0' });
    expect(payload(sent[1]!).ath).toBeUndefined();
    for (const one of sent) await verifiedByServer(device, one);
    expect(onDisk()).toMatchObject({ access_token: 'at-1', refresh_token: 'rt-1' });
  });

  it('retries once with the DPoP-Nonce of a use_dpop_nonce answer, and keeps the nonce', async () => {
    const { fetch, sent } = scriptedFetch(
      () => challenge('use_dpop_nonce', { 'dpop-nonce': 'nonce-1' }),
      () => challenge('use_dpop_nonce', { 'dpop-nonce': 'nonce-2' }),
    );
    const response = await client(fetch).fetch('/api/agent/me');
    expect(response.status).toBe(401);
    expect(sent.map((one) => payload(one).nonce)).toEqual([undefined, 'nonce-1']);
    // The nonce is written in the background: a failed write costs only a retry.
    await eventually(onDisk, (file) => file.dpop_nonce === 'nonce-2', 5000);
  });

  it('remembers the DPoP-Nonce of any answer and puts it in the next proof', async () => {
    const { fetch, sent } = scriptedFetch(
      () => json(200, {}, { 'dpop-nonce': 'nonce-7' }),
      () => json(200, {}),
    );
    const device = client(fetch);
    await device.fetch('/api/agent/me');
    await device.fetch('/api/agent/me');
    expect(payload(sent[1]!).nonce).toBe('nonce-7');
    expect((await device.credentials())?.dpopNonce).toBe('nonce-7');
  });

  it('refreshes first when the access token expires within 60 s', async () => {
    await new CredentialsStore(stateDir).set({
      ...(await new CredentialsStore(stateDir).get())!,
      accessTokenExpiresAt: Date.now() + 59_000,
    });
    const { fetch, sent } = scriptedFetch(
      () => grant(1),
      () => json(200, {}),
    );
    await client(fetch).fetch('/api/agent/me');
    expect(sent.map((one) => new URL(one.url).pathname)).toEqual(['/api/agent/token/refresh', '/api/agent/me']);
    expect(sent[1]!.headers.get('authorization')).toBe('DPoP at-1');
  });

  it('posts a heartbeat and reads its answer; a refusal is a DeviceApiError with the server code and message', async () => {
    const inventory: HeartbeatRequest = {
      agent_version: '0.1.0',
      os: 'Debian GNU/Linux 12',
      kernel: '6.1.0-28-amd64',
      profile: 'edge-iot',
      uptime_s: 42,
      services: [{ name: 'nginx', state: 'running' }],
    };
    const { fetch, sent } = scriptedFetch(
      () => json(200, { device_id: 'dev_1', heartbeat_interval_s: 30 }),
      () => failure(403, 'device_quarantined', 'the device is quarantined'),
      () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    );
    const device = client(fetch);
    expect(await device.heartbeat(inventory)).toEqual({ device_id: 'dev_1', heartbeat_interval_s: 30 });
    expect(sent[0]).toMatchObject({ method: 'POST', url: `${baseUrl}/api/agent/heartbeat`, body: inventory });
    expect(sent[0]!.headers.get('content-type')).toBe('application/json');
    await verifiedByServer(device, sent[0]!);
    const refused = device.heartbeat(inventory);
    await expect(refused).rejects.toThrow(DeviceApiError);
    await expect(refused).rejects.toMatchObject({
      status: 403,
      code: 'device_quarantined',
      serverMessage: 'the device is quarantined',
      message: 'POST /api/agent/heartbeat was refused with 403 device_quarantined: the device is quarantined',
    });
    await expect(device.me()).rejects.toMatchObject({ status: 502, code: 'http_502', serverMessage: '<html>bad gateway</html>' });
  });

  it('fails before sending anything when the device has not enrolled', async () => {
    const { fetch, sent } = scriptedFetch();
    const fresh = new DeviceClient({ baseUrl, stateDir: tempDir(), fetch });
    await expect(fresh.me()).rejects.toThrow(NotEnrolledError);
    await expect(fresh.refresh()).rejects.toThrow(/^the device is not enrolled: .*credentials\.json does not exist; enroll first$/);
    expect(sent).toHaveLength(0);
  });
});
