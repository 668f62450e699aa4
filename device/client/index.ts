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
 * - Jobs: {@link DeviceClient.nextWork} long-polls for work and verifies each signed payload
 *   ({@link verifyJobPayload}), {@link runScript} runs a verified job's script for real, and
 *   {@link DeviceClient.reportProgress} and {@link DeviceClient.reportResult} tell the control plane.
 * - Errors: {@link DeviceApiError} for any refused call, {@link EnrollmentDeniedError} and
 *   {@link EnrollmentExpiredError} for an enrollment that ended without credentials, {@link JobPayloadRefusedError}
 *   for a job payload the device must not run.
 *
 * @example
 * ```ts
 * const client = new DeviceClient({ baseUrl: 'https://borg.example.com', stateDir: '/var/lib/borg-agent' });
 * if (!(await client.credentials())) await client.enroll({ hostname: 'edge-01', enrollmentCode: 'ABCD-EFGH-JKLM' });
 * const { heartbeat_interval_s } = await client.heartbeat(inventory);
 * const seen = new Set<string>();
 * for (;;) {
 *   const { jobs } = await client.nextWork({ waitS: 30 });
 *   for (const job of jobs) {
 *     // A job is offered again until the server hears of it; run it once, and only if it was not cancelled.
 *     if (seen.has(job.runId)) continue;
 *     seen.add(job.runId);
 *     if ((await client.reportProgress(job.runId)).status !== 'running') continue;
 *     await client.reportResult(job.runId, await runScript(job));
 *   }
 * }
 * ```
 *
 * @packageDocumentation
 */
export { DEFAULT_WORK_WAIT_S, DeviceClient, MAX_WORK_WAIT_S, REFRESH_MARGIN_MS, WORK_TIMEOUT_MARGIN_S } from './device-client.js';
export type { DeviceClientOptions, NextWorkOptions } from './device-client.js';
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
export { MAX_JOB_TIMEOUT_S, jobSigningKey, verifyJobPayload } from './job-payload.js';
export type { VerifiedJob, VerifyJobOptions } from './job-payload.js';
export type { RefusedWork, WorkBatch } from './work.js';
export { SCRIPT_PATH, runScript } from './run-script.js';
export type { RunScriptOptions } from './run-script.js';
export { OUTPUT_CAP_BYTES } from './capped-output.js';
export { KILL_GRACE_MS } from './process-group.js';
export {
  DeviceApiError,
  EnrollmentDeniedError,
  EnrollmentExpiredError,
  InsecureFileError,
  JobPayloadRefusedError,
  NotEnrolledError,
} from './errors.js';
export type { JobRefusalReason } from './errors.js';
export type { FetchLike } from './http.js';
export { PATHS, runPath } from './wire.js';
export type * from './wire.js';
