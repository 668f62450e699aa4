/**
 * The BorgOS device client: the appliance's side of the control plane's `/api/agent/*` API.
 *
 * It runs on the appliance under Debian bookworm's Node 18 and uses nothing but Node's built-in modules, so
 * `npm run build:device` bundles it into one file, `device/dist/client.mjs`.
 *
 * - {@link DeviceClient}: enroll, refresh, and DPoP-bound calls (`heartbeat`, `me`, or any path with `fetch`).
 * - The device key: {@link loadOrCreateDeviceKey} keeps one Ed25519 key in `<stateDir>/device-key.pem` (0600).
 * - The proofs the protocol asks for: {@link proofSig} for enrollment polls, {@link createDpopProof} for every
 *   later call.
 * - Errors: {@link DeviceApiError} for any refused call, {@link EnrollmentDeniedError} and
 *   {@link EnrollmentExpiredError} for an enrollment that ended without credentials.
 *
 * @example
 * ```ts
 * const client = new DeviceClient({ baseUrl: 'https://borg.example.com', stateDir: '/var/lib/borg-agent' });
 * if (!(await client.credentials())) await client.enroll({ hostname: 'edge-01', enrollmentCode: 'ABCD-EFGH-JKLM' });
 * const { heartbeat_interval_s } = await client.heartbeat(inventory);
 * ```
 *
 * @packageDocumentation
 */
export { DeviceClient, REFRESH_MARGIN_MS } from './device-client.js';
export type { DeviceClientOptions } from './device-client.js';
export type { EnrollOptions, EnrollmentStatus } from './enroll.js';
export { CREDENTIALS_FILE, CredentialsStore } from './credentials-store.js';
export type { Credentials } from './credentials-store.js';
export { KEY_FILE, deviceKey, loadOrCreateDeviceKey } from './key-store.js';
export type { DeviceKey } from './key-store.js';
export { agentPubkey, fingerprint, publicJwk, spkiDer } from './identity.js';
export type { PublicJwk } from './identity.js';
export { newClientNonce, proofMessage, proofSig } from './enrollment-proof.js';
export { accessTokenHash, createDpopProof, dpopHtu } from './dpop-proof.js';
export type { DpopProofInput } from './dpop-proof.js';
export { DeviceApiError, EnrollmentDeniedError, EnrollmentExpiredError, InsecureFileError, NotEnrolledError } from './errors.js';
export type { FetchLike } from './http.js';
export { PATHS } from './wire.js';
export type * from './wire.js';
