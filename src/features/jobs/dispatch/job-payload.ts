import { createHash, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/**
 * The job payload a device receives through `GET /api/agent/work`: a compact JWS signed with the control plane's
 * job-signing key (Ed25519), whose public half the device learned at enrollment as `signing_key`. The device
 * client library (`device/client/job-payload.ts`) verifies it and refuses anything else.
 */

/** The one version of the payload; a device refuses any other. */
export const JOB_PAYLOAD_VERSION = 1;

/** The protected header, exactly: a device refuses any other member or value. */
export const JOB_PAYLOAD_HEADER = { alg: 'EdDSA', typ: 'borg-job+jws' } as const;

/** The interpreters a device runs scripts with. */
export const INTERPRETERS = ['sh', 'bash', 'python3', 'node'] as const;
export type Interpreter = (typeof INTERPRETERS)[number];

export interface JobScript {
  interpreter: Interpreter;
  content: string;
  args: string[];
  /** Not secret: the payload is signed, not encrypted, and the device may log it. */
  env: Record<string, string>;
  /** {@link scriptSha256} of `content`. */
  sha256: string;
}

/** The signed JSON, field names as on the wire. */
export interface JobPayload {
  v: typeof JOB_PAYLOAD_VERSION;
  run_id: string;
  job_id: string;
  job_name: string;
  /** The one device that may run it. */
  device_id: string;
  script: JobScript;
  /** The per-device timeout, whole seconds, at least 1. */
  timeout_s: number;
  /** ISO 8601 date-times. A device refuses the payload once `expires_at` has passed by its clock. */
  issued_at: string;
  expires_at: string;
}

/** Lowercase hex SHA-256 of the script's UTF-8 bytes. */
export function scriptSha256(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

/** The payload as a compact JWS: `base64url(header).base64url(payload).base64url(Ed25519 signature)`. */
export function signJobPayload(privateKey: KeyObject, payload: JobPayload): string {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('job payloads are signed with the Ed25519 private job-signing key');
  }
  const signingInput = `${base64url(JOB_PAYLOAD_HEADER)}.${base64url(payload)}`;
  return `${signingInput}.${sign(null, Buffer.from(signingInput, 'ascii'), privateKey).toString('base64url')}`;
}

const base64url = (value: object): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
