import { createHash, createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { JobPayloadRefusedError } from './errors.js';
import type { JobRefusalReason } from './errors.js';
import type { Interpreter, JobPayload } from './wire.js';

/** A job whose payload passed every check: signed by the control plane, for this device, unexpired, intact. */
export interface VerifiedJob {
  runId: string;
  jobId: string;
  jobName: string;
  deviceId: string;
  /** Its `sha256` (lowercase hex of `content`) checked. */
  script: JobPayload['script'];
  /** Seconds the script may run before it is killed. */
  timeoutS: number;
  /** Milliseconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
}

export interface VerifyJobOptions {
  /** The job-signing key: base64 SPKI DER as the credentials keep it (`signingKey`), or the key parsed by {@link jobSigningKey}. */
  signingKey: string | KeyObject;
  /** This device's id: a payload for any other device is refused. */
  deviceId: string;
  /** The device's clock, milliseconds since the epoch; default now. */
  now?: number;
}

/** The longest timeout a device accepts: a timer waits at most 2^31 - 1 ms, and a longer one would fire at once. */
export const MAX_JOB_TIMEOUT_S = Math.floor(0x7fffffff / 1000);

const INTERPRETERS: readonly string[] = ['sh', 'bash', 'python3', 'node'] satisfies Interpreter[];
// The signature may be empty so that an unsecured JWS (alg none) is refused by name, at the header check.
const COMPACT = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
// A NUL cannot cross exec, and `=` would end an environment variable's name early.
const ENV_NAME = /^[^=\0]+$/;
const NO_NUL = /^[^\0]*$/;

/** Parses the `signing_key` of enrollment (base64 SPKI DER); throws when it is not an Ed25519 public key. */
export function jobSigningKey(signingKey: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(signingKey, 'base64'), format: 'der', type: 'spki' });
  } catch (error) {
    throw new Error(`the job-signing key is not a base64 SPKI public key: ${(error as Error).message}`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the job-signing key is ${key.asymmetricKeyType ?? 'unknown'}, not Ed25519`);
  return key;
}

/**
 * Verifies a job payload (a compact JWS) and returns the job it carries. Throws a {@link JobPayloadRefusedError}
 * whose `reason` names the first check that failed, in this order: the JWS's form, its header (exactly
 * `{"alg":"EdDSA","typ":"borg-job+jws"}`), the signature by the job-signing key, `v`, the fields, the device id,
 * the expiry, and the script's SHA-256. Nothing in the payload is read before its signature verifies.
 */
export function verifyJobPayload(jws: string, options: VerifyJobOptions): VerifiedJob {
  const key = typeof options.signingKey === 'string' ? jobSigningKey(options.signingKey) : options.signingKey;
  const parts = typeof jws === 'string' ? COMPACT.exec(jws) : null;
  if (!parts) throw refusal('malformed', 'not a compact JWS');
  const header = jsonObject(parts[1]!);
  if (!header) throw refusal('malformed', 'the JWS header is not a JSON object');
  const names = Object.keys(header);
  if (names.length !== 2 || header.alg !== 'EdDSA' || header.typ !== 'borg-job+jws') {
    throw refusal('header', `the JWS header must be exactly {"alg":"EdDSA","typ":"borg-job+jws"}, not ${JSON.stringify(header)}`);
  }
  if (!signedBy(key, `${parts[1]}.${parts[2]}`, Buffer.from(parts[3]!, 'base64url'))) {
    throw refusal('signature', 'the signature does not verify with the job-signing key');
  }
  const payload = jsonObject(parts[2]!);
  if (!payload) throw refusal('malformed', 'the JWS payload is not a JSON object');
  if (payload.v !== 1) throw refusal('version', `v is ${JSON.stringify(payload.v)}; this device reads version 1`);
  const job = readJob(payload);
  if (job.deviceId !== options.deviceId) throw refusal('device', `it is for device ${job.deviceId}, not this device (${options.deviceId})`);
  const now = options.now ?? Date.now();
  if (now > job.expiresAt) throw refusal('expired', `it expired at ${new Date(job.expiresAt).toISOString()}`);
  const actual = createHash('sha256').update(job.script.content, 'utf8').digest('hex');
  if (actual !== job.script.sha256) throw refusal('sha256', `the script hashes to ${actual}, the payload says ${job.script.sha256}`);
  return job;
}

function readJob(payload: Record<string, unknown>): VerifiedJob {
  const script = field(payload.script, 'script', isObject, 'an object');
  return {
    runId: field(payload.run_id, 'run_id', isId, 'a non-empty string'),
    jobId: field(payload.job_id, 'job_id', isId, 'a non-empty string'),
    jobName: field(payload.job_name, 'job_name', isString, 'a string'),
    deviceId: field(payload.device_id, 'device_id', isId, 'a non-empty string'),
    script: {
      interpreter: field(script.interpreter, 'script.interpreter', isInterpreter, `one of ${INTERPRETERS.join(', ')}`),
      content: field(script.content, 'script.content', isString, 'a string'),
      args: field(script.args, 'script.args', isArgs, 'an array of strings without NUL'),
      env: field(script.env, 'script.env', isEnv, 'an object of strings, names without = or NUL, values without NUL'),
      sha256: field(script.sha256, 'script.sha256', isSha256, '64 lowercase hex digits'),
    },
    timeoutS: field(payload.timeout_s, 'timeout_s', isTimeout, `an integer from 1 to ${MAX_JOB_TIMEOUT_S}`),
    issuedAt: Date.parse(field(payload.issued_at, 'issued_at', isDateTime, 'an ISO 8601 date-time')),
    expiresAt: Date.parse(field(payload.expires_at, 'expires_at', isDateTime, 'an ISO 8601 date-time')),
  };
}

function field<T>(value: unknown, name: string, check: (value: unknown) => value is T, expected: string): T {
  if (!check(value)) throw refusal('malformed', `${name} must be ${expected}`);
  return value;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isId = (value: unknown): value is string => isString(value) && value !== '';
const isInterpreter = (value: unknown): value is Interpreter => isString(value) && INTERPRETERS.includes(value);
const isArgs = (value: unknown): value is string[] => Array.isArray(value) && value.every((arg) => isString(arg) && NO_NUL.test(arg));
const isEnv = (value: unknown): value is Record<string, string> =>
  isObject(value) && Object.entries(value).every(([name, text]) => ENV_NAME.test(name) && isString(text) && NO_NUL.test(text));
const isSha256 = (value: unknown): value is string => isString(value) && SHA256_HEX.test(value);
const isTimeout = (value: unknown): value is number =>
  Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_JOB_TIMEOUT_S;
const isDateTime = (value: unknown): value is string => isString(value) && ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));

function jsonObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function signedBy(key: KeyObject, signingInput: string, signature: Buffer): boolean {
  try {
    return verify(null, Buffer.from(signingInput, 'ascii'), key, signature);
  } catch {
    return false;
  }
}

const refusal = (reason: JobRefusalReason, detail: string): JobPayloadRefusedError => new JobPayloadRefusedError(reason, detail);
