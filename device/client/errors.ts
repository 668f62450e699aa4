/** The control plane refused a call: an HTTP status outside 2xx, with the code and message of its error reply. */
export class DeviceApiError extends Error {
  override readonly name = 'DeviceApiError';

  constructor(
    readonly status: number,
    /** The reply's `error.code` (`invalid_grant`, `rate_limited`, …), or `http_<status>` when the body had none. */
    readonly code: string,
    /** The reply's `error.message` as the server wrote it. */
    readonly serverMessage: string,
    /** Which call: `POST /api/agent/token/refresh`. */
    readonly call: string,
    readonly details?: Record<string, unknown>,
    /** From a `Retry-After` header (429, 503), in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(`${call} was refused with ${status} ${code}: ${serverMessage}`);
  }
}

/** An operator denied the enrollment. */
export class EnrollmentDeniedError extends Error {
  override readonly name = 'EnrollmentDeniedError';

  constructor(
    readonly approvalReference: string,
    readonly reason: string,
  ) {
    super(`enrollment ${approvalReference} was denied: ${reason || '(no reason given)'}`);
  }
}

/** The enrollment reached its deadline without an operator's decision. */
export class EnrollmentExpiredError extends Error {
  override readonly name = 'EnrollmentExpiredError';

  constructor(readonly approvalReference: string) {
    super(`enrollment ${approvalReference} expired before an operator approved it; enroll again to start a new request`);
  }
}

/** A call that needs credentials was made before the device enrolled. */
export class NotEnrolledError extends Error {
  override readonly name = 'NotEnrolledError';

  constructor(readonly credentialsFile: string) {
    super(`the device is not enrolled: ${credentialsFile} does not exist; enroll first`);
  }
}

/** A key or credentials file that group or others may access, or that is not a regular file. */
export class InsecureFileError extends Error {
  override readonly name = 'InsecureFileError';

  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`refusing to use ${file}: ${problem}`);
  }
}

/**
 * Which check a job payload failed: `malformed` (not a compact JWS, not JSON, a field missing or of the wrong
 * type), `header` (not exactly EdDSA / borg-job+jws), `signature` (not signed by the job-signing key), `version`
 * (`v` is not 1), `device` (meant for another device), `expired` (`expires_at` passed), `sha256` (the script is
 * not the one hashed), `envelope` (the work item names another run or job than its signed payload).
 */
export type JobRefusalReason = 'malformed' | 'header' | 'signature' | 'version' | 'device' | 'expired' | 'sha256' | 'envelope';

/** A job payload the device must not run. */
export class JobPayloadRefusedError extends Error {
  override readonly name = 'JobPayloadRefusedError';

  constructor(
    readonly reason: JobRefusalReason,
    detail: string,
  ) {
    super(`job payload refused (${reason}): ${detail}`);
  }
}
