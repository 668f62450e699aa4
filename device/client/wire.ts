/**
 * The device wire protocol (issue 21) as JSON bodies: what the device sends to `/api/agent/*` and what it gets
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

/** The paths of the protocol, relative to the control plane's base URL. */
export const PATHS = {
  enrollRequest: '/api/agent/enroll/request',
  enrollPoll: '/api/agent/enroll/poll',
  refresh: '/api/agent/token/refresh',
  heartbeat: '/api/agent/heartbeat',
  me: '/api/agent/me',
} as const;
