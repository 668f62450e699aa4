// Run by test/device/bundle.test.ts under Debian's Node 18 (or, when that cannot be had, the test's Node):
// uses the bundled client as the appliance would and prints what it made, as one JSON line.
// usage: node node18-probe.mjs BUNDLE STATE_DIR BASE_URL SERVER_NONCE LOOSE_DIR
/* global console, process */
import { chmodSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [bundle, stateDir, baseUrl, serverNonce, looseDir] = process.argv.slice(2);
const client = await import(pathToFileURL(bundle).href);

// The key is generated here, on first use.
const device = new client.DeviceClient({ baseUrl, stateDir });
const key = await device.deviceKey();
const clientNonce = client.newClientNonce();
const out = {
  node: process.version,
  agentPubkey: key.agentPubkey,
  fingerprint: key.fingerprint,
  clientNonce,
  proofSig: client.proofSig(key.privateKey, serverNonce, 'enr_node18', clientNonce),
  dpop: client.createDpopProof(key, { method: 'POST', url: `${baseUrl}/api/agent/heartbeat?since=1#top`, accessToken: 'at-0' }),
};

// Two refreshes at once through this Node's own fetch: one request, and the rotated token on disk.
await Promise.all([device.refresh(), device.refresh()]);
out.refreshToken = (await device.credentials()).refreshToken;

// A key file others may read is refused.
copyFileSync(join(stateDir, client.KEY_FILE), join(looseDir, client.KEY_FILE));
chmodSync(join(looseDir, client.KEY_FILE), 0o644);
out.looseKey = await client.loadOrCreateDeviceKey(looseDir).then(
  () => 'accepted',
  (error) => `${error.name}: ${error.message}`,
);

console.log(JSON.stringify(out));
