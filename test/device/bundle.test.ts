import { execFile } from 'node:child_process';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGET, buildDeviceClient } from '../../device/build-client.js';
import type { BuiltBundle } from '../../device/build-client.js';
import { jwkThumbprint } from '../../src/features/devices/dpop/thumbprint.js';
import type { PublicJwk } from '../../src/features/devices/dpop/thumbprint.js';
import { verifyDpopProof } from '../../src/features/devices/dpop/verify-proof.js';
import { CREDENTIALS_FILE, CredentialsStore, proofMessage } from '../../device/client/index.js';
import { tempDir } from '../support/stack.js';
import { startRefreshServer } from './client/refresh-server.js';
import type { RefreshServer } from './client/refresh-server.js';
import { serverDpopSettings, targetOf } from './client/server-side.js';
import { node18OrFallback } from './node18.js';

const probe = resolve(import.meta.dirname, 'node18-probe.mjs');
let bundle: BuiltBundle;
let settings: ReturnType<typeof serverDpopSettings>;
let server: RefreshServer;

beforeAll(async () => {
  bundle = await buildDeviceClient(join(tempDir(), 'client.mjs'));
  settings = serverDpopSettings();
  server = await startRefreshServer({ settings, firstRefreshToken: 'rt-0', delayMs: 100 });
});

afterAll(async () => {
  await server?.close();
  settings?.close();
});

describe('the bundled device client', () => {
  it(`is one ES module for ${TARGET} that imports only node: built-ins`, () => {
    const code = readFileSync(bundle.outfile, 'utf8');
    expect(code.split('\n')[0]).toBe(
      `// BorgOS device client, bundled by \`npm run build:device\` (esbuild, target ${TARGET}). Do not edit.`,
    );
    expect(bundle.builtins).toEqual(['node:child_process', 'node:crypto', 'node:fs/promises', 'node:os', 'node:path']);
    const imports = [...code.matchAll(/^import .* from "([^"]+)";$/gm)].map((match) => match[1]);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((name) => !name!.startsWith('node:'))).toEqual([]);
    expect(code).toMatch(/^export \{/m);
  });

  it("runs under Debian bookworm's Node 18: key, proofs the server verifies, one refresh for two callers", async ({ annotate }) => {
    const node = await node18OrFallback(
      'test/device/bundle.test.ts',
      annotate,
      `; that it suits Node 18 rests on its esbuild target, ${TARGET}`,
    );

    const stateDir = join(tempDir(), 'agent');
    await new CredentialsStore(stateDir).set({
      deviceId: 'dev_1',
      accessToken: 'at-0',
      accessTokenExpiresAt: Date.now() + 600_000,
      refreshToken: 'rt-0',
      signingKey: 'MCowBQYDK2VwAyEA',
    });
    const serverNonce = randomBytes(32).toString('base64');
    const { stdout } = await promisify(execFile)(node, [probe, bundle.outfile, stateDir, server.baseUrl, serverNonce, tempDir()], {
      timeout: 60_000,
    });
    const out = JSON.parse(stdout);
    if (node !== process.execPath) expect(out.node).toMatch(/^v18\./);

    // The key it generated: 0600 in a 0700 directory, named by agent_pubkey and its fingerprint.
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(stateDir, 'device-key.pem')).mode & 0o777).toBe(0o600);
    const der = Buffer.from(out.agentPubkey, 'base64');
    expect(out.fingerprint).toBe(createHash('sha256').update(der).digest('hex'));
    const publicKey = createPublicKey({ key: der, format: 'der', type: 'spki' });

    // The enrollment proof verifies here, over the protocol's bytes.
    const message = proofMessage(serverNonce, 'enr_node18', out.clientNonce);
    expect(verify(null, message, publicKey, Buffer.from(out.proofSig, 'base64'))).toBe(true);

    // The DPoP proof passes the server's verifier, bound to the access token and the device key.
    const jkt = jwkThumbprint(publicKey.export({ format: 'jwk' }) as PublicJwk);
    const target = targetOf(`${server.baseUrl}/api/agent/heartbeat?since=1`);
    expect(verifyDpopProof({ dpop: out.dpop, method: 'POST', target, accessToken: { token: 'at-0', jkt } }, settings).jkt).toBe(jkt);

    // Two concurrent refreshes sent one request; the rotated token is on disk.
    expect(server.calls).toBe(1);
    expect(server.revoked).toBe(false);
    expect(out.refreshToken).toBe('rt-1');
    expect(JSON.parse(readFileSync(join(stateDir, CREDENTIALS_FILE), 'utf8')).refresh_token).toBe('rt-1');

    expect(out.looseKey).toMatch(/^InsecureFileError: refusing to use .*device-key\.pem: group or others may access it \(mode 0644\)/);
  }, 300_000);
});
