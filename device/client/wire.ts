/**
 * The device wire protocol (issues 21 and 22) as JSON bodies: what the device sends to `/api/agent/*` and what it gets
 * back. Field names are the wire's own.
 */

/** Every error reply: `{ "error": { "code", "message", "details"? } }`. */
export interface ErrorReply {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** `POST /api/agent/enroll/request`. */
export interface EnrollRequest {
  hostname: string;
  enrollment_code: string;
  /** base64 of the SPKI DER of the device's Ed25519 public key. */
  agent_pubkey: string;
  /** base64 of at least 16 random bytes. */
  client_nonce: string;
}

export interface EnrollRequestReply {
  status: 'pending' | 'approved';
  approval_reference: string;
  /** base64 of 32 bytes. */
  server_nonce: string;
  poll_after_ms: number;
  /** base64 SPKI DER of the control plane's Ed25519 job-signing key. */
  signing_key: string;
}

/** `POST /api/agent/enroll/poll`. */
export interface EnrollPoll {
  approval_reference: string;
  /** A fresh nonce for every poll. */
  client_nonce: string;
  /** base64 Ed25519 signature over `server_nonce || approval_reference || client_nonce`. */
  proof_sig: string;
}

export interface TokenGrant {
  access_token: string;
  /** Seconds. */
  expires_in: number;
  refresh_token: string;
  token_type: 'DPoP';
}

export type EnrollPollReply =
  | { status: 'pending'; poll_after_ms: number }
  | { status: 'denied'; reason: string }
  | { status: 'expired' }
  | ({ status: 'approved'; device_id: string } & TokenGrant);

/** `POST /api/agent/token/refresh`. */
export interface RefreshRequest {
  refresh_token: string;
}

/** `POST /api/agent/heartbeat`. */
export interface HeartbeatRequest {
  agent_version: string;
  os: string;
  kernel: string;
  /** The profile the device runs, or null before one was applied. */
  profile: string | null;
  uptime_s: number;
  services: { name: string; state: string }[];
}

export interface HeartbeatReply {
  device_id: string;
  heartbeat_interval_s: number;
}

/** `GET /api/agent/me`: the device's record as the control plane keeps it. */
export interface DeviceRecord {
  id: string;
  hostname: string;
  fingerprint: string;
  status: 'active' | 'quarantined' | 'revoked';
  status_reason: string | null;
  tags: string[];
  profile: string | null;
  token_version: number;
  enrolled_at: string;
  last_seen_at: string | null;
  online: boolean;
  inventory: Record<string, unknown> | null;
}

/** `GET /api/agent/work?wait=<s>`: the items ready for this device, or none once `wait` seconds passed. */
export interface WorkReply {
  items: WorkItem[];
}

export interface WorkItem {
  run_id: string;
  job_id: string;
  /** A compact JWS over a {@link JobPayload}, signed with the job-signing key. */
  payload: string;
}

export type Interpreter = 'sh' | 'bash' | 'python3' | 'node';

/** The signed JSON inside a work item's `payload` (issue 22), version 1. */
export interface JobPayload {
  v: 1;
  run_id: string;
  job_id: string;
  job_name: string;
  device_id: string;
  script: {
    interpreter: Interpreter;
    content: string;
    args: string[];
    env: Record<string, string>;
    /** Hex SHA-256 of `content`'s UTF-8 bytes. */
    sha256: string;
  };
  timeout_s: number;
  /** ISO 8601 date-times. */
  issued_at: string;
  expires_at: string;
}

/** `POST /api/agent/runs/:run/progress`. */
export interface ProgressRequest {
  state: 'running';
}

export interface ProgressReply {
  /** The device's result status for the run as the control plane has it (`running`, `cancelled`, …). */
  status: string;
}

/** `POST /api/agent/runs/:run/result`: how the script ended. Sending it again gets the same answer. */
export interface RunResult {
  /** `succeeded` exactly when the script exited with code 0 on its own; `timed_out` when it was stopped at its timeout. */
  outcome: 'succeeded' | 'failed' | 'timed_out';
  /** Null when a signal ended it, or it never started. */
  exit_code: number | null;
  /** The signal's name (`SIGKILL`) when one ended it. */
  signal: string | null;
  /** Each at most 65,536 bytes of UTF-8; the flag says output was cut. */
  stdout: string;
  stderr: string;
  stdout_truncated: boolean;
  stderr_truncated: boolean;
  /** ISO 8601 date-times. */
  started_at: string;
  finished_at: string;
}

export interface RunResultReply {
  status: string;
  /** The run's verdict for this device was already given (a timeout): the result was kept but changed nothing. */
  late: boolean;
}

/** The paths of the protocol, relative to the control plane's base URL; `:run` stands for a run id ({@link runPath}). */
export const PATHS = {
  enrollRequest: '/api/agent/enroll/request',
  enrollPoll: '/api/agent/enroll/poll',
  refresh: '/api/agent/token/refresh',
  heartbeat: '/api/agent/heartbeat',
  me: '/api/agent/me',
  work: '/api/agent/work',
  runProgress: '/api/agent/runs/:run/progress',
  runResult: '/api/agent/runs/:run/result',
} as const;

/** A run's path: `runPath(PATHS.runResult, 'run_1')` is `/api/agent/runs/run_1/result`. */
export function runPath(path: typeof PATHS.runProgress | typeof PATHS.runResult, runId: string): string {
  return path.replace(':run', encodeURIComponent(runId));
}
