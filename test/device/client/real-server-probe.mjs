// Run by test/device/client/real-server.test.ts under Debian's Node 18 (or, when that cannot be had, the test's
// Node): the bundled client enrolls against the real control plane with an auto-approving code, sends one
// heartbeat, and prints what it got, as one JSON line.
// usage: node real-server-probe.mjs BUNDLE STATE_DIR BASE_URL ENROLLMENT_CODE HOSTNAME INVENTORY_JSON
/* global console, process */
import { pathToFileURL } from 'node:url';

const [bundle, stateDir, baseUrl, enrollmentCode, hostname, inventory] = process.argv.slice(2);
const client = await import(pathToFileURL(bundle).href);

const device = new client.DeviceClient({ baseUrl, stateDir });
const { fingerprint } = await device.deviceKey();
const { deviceId } = await device.enroll({ hostname, enrollmentCode });
const heartbeat = await device.heartbeat(JSON.parse(inventory));
const me = await device.me();

console.log(JSON.stringify({ node: process.version, fingerprint, deviceId, heartbeat, me }));
