import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CREDENTIALS_FILE, CredentialsStore, DeviceApiError, DeviceClient } from '../../../device/client/index.js';
import { tempDir } from '../../support/stack.js';
import { startRefreshServer } from './refresh-server.js';
import type { RefreshServer } from './refresh-server.js';
import { serverDpopSettings } from './server-side.js';

let settings: ReturnType<typeof serverDpopSettings>;
let server: RefreshServer;
let stateDir: string;

/** A device that enrolled a while ago: its access token expires in `expiresInMs`. */
async function enrolledDevice(expiresInMs = 10 * 60_000): Promise<void> {
  stateDir = tempDir();
  await new CredentialsStore(stateDir).set({
    deviceId: 'dev_1',
    accessToken: 'at-0',
    accessTokenExpiresAt: Date.now() + expiresInMs,
    refreshToken: 'rt-0',
    signingKey: 'MCowBQYDK2VwAyEA',
  });
}

const onDisk = (): Record<string, string> => JSON.parse(readFileSync(join(stateDir, CREDENTIALS_FILE), 'utf8'));

beforeEach(async () => {
  settings = serverDpopSettings();
  server = await startRefreshServer({ settings, firstRefreshToken: 'rt-0', delayMs: 100 });
  await enrolledDevice();
});

afterEach(async () => {
  await server.close();
  settings.close();
});

describe('refreshing the tokens', () => {
  it('sends one request for concurrent callers, and has the new refresh token on disk when they resume', async () => {
    const client = new DeviceClient({ baseUrl: server.baseUrl, stateDir });
    const seen: string[] = [];
    await Promise.all(Array.from({ length: 5 }, () => client.refresh().then(() => seen.push(onDisk().refresh_token!))));
    expect(server.calls).toBe(1);
    expect(server.revoked).toBe(false);
    expect(seen).toEqual(['rt-1', 'rt-1', 'rt-1', 'rt-1', 'rt-1']);
    expect(onDisk()).toMatchObject({ access_token: 'at-1', refresh_token: 'rt-1' });
    expect((await client.credentials())?.accessTokenExpiresAt).toBeGreaterThan(Date.now() + 890_000);
  });

  it('without single flight, a second concurrent refresh would reuse the token and revoke the family', async () => {
    // The stand-in enforces the rule the client guards against: two clients on one state directory break it.
    const [a, b] = [new DeviceClient({ baseUrl: server.baseUrl, stateDir }), new DeviceClient({ baseUrl: server.baseUrl, stateDir })];
    const results = await Promise.allSettled([a.refresh(), b.refresh()]);
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(server.calls).toBe(2);
  });

  it('refreshes again after a refresh finished, with the rotated token', async () => {
    const client = new DeviceClient({ baseUrl: server.baseUrl, stateDir });
    await client.refresh();
    await client.refresh();
    expect(server.calls).toBe(2);
    expect(server.revoked).toBe(false);
    expect(onDisk().refresh_token).toBe('rt-2');
  });

  it('refreshes once before calls whose access token expires within 60 s, even when they start together', async () => {
    await enrolledDevice(30_000);
    const seen: string[] = [];
    const client = new DeviceClient({
      baseUrl: server.baseUrl,
      stateDir,
      fetch: async (input, init) => {
        if (String(input).endsWith('/api/agent/me')) {
          seen.push(new Headers(init?.headers).get('authorization')!);
          return Response.json({ id: 'dev_1' });
        }
        return fetch(input, init);
      },
    });
    await Promise.all([client.me(), client.me(), client.me()]);
    expect(server.calls).toBe(1);
    expect(seen).toEqual(['DPoP at-1', 'DPoP at-1', 'DPoP at-1']);
  });

  it('retries once with the server nonce when the token endpoint asks for one, with the same refresh token', async () => {
    await server.close();
    settings.close();
    settings = serverDpopSettings({ nonces: true });
    server = await startRefreshServer({ settings, firstRefreshToken: 'rt-0' });
    const client = new DeviceClient({ baseUrl: server.baseUrl, stateDir });
    await client.refresh();
    expect(server.calls).toBe(2);
    expect(onDisk()).toMatchObject({ refresh_token: 'rt-1', dpop_nonce: expect.any(String) });
    // The next refresh sends the nonce it kept, so it needs no second try.
    await client.refresh();
    expect(server.calls).toBe(3);
  });

  it('fails with the server code and message when the refresh token is refused, keeping the credentials', async () => {
    const client = new DeviceClient({ baseUrl: server.baseUrl, stateDir });
    await client.refresh();
    // Another holder put the rotated-out token back: the server calls it reuse.
    const staleDir = tempDir();
    await new CredentialsStore(staleDir).set({ ...(await client.credentials())!, refreshToken: 'rt-0' });
    const refusal = new DeviceClient({ baseUrl: server.baseUrl, stateDir: staleDir }).refresh();
    await expect(refusal).rejects.toThrow(DeviceApiError);
    await expect(refusal).rejects.toMatchObject({
      status: 400,
      code: 'invalid_grant',
      serverMessage: 'refresh token reused: the family is revoked',
      message: 'POST /api/agent/token/refresh was refused with 400 invalid_grant: refresh token reused: the family is revoked',
    });
    expect((await new CredentialsStore(staleDir).get())?.refreshToken).toBe('rt-0');
  });
});
