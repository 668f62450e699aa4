import type { Credentials } from './credentials-store.js';
import { EnrollmentDeniedError, EnrollmentExpiredError } from './errors.js';
import { newClientNonce, proofSig } from './enrollment-proof.js';
import { abortReason, apiError, readJson, sleep } from './http.js';
import type { FetchLike } from './http.js';
import type { DeviceKey } from './key-store.js';
import { PATHS } from './wire.js';
import type { EnrollPoll, EnrollPollReply, EnrollRequest, EnrollRequestReply } from './wire.js';

export interface EnrollOptions {
  /** The device's host name (RFC 1123: letters, digits, `-` and `.`). */
  hostname: string;
  /** The install code as the operator gave it (`ABCD-EFGH-…`); `""` when the key's fingerprint was preauthorized. */
  enrollmentCode: string;
  /** Stops waiting: the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Told after the request and after every poll that is still pending. */
  onStatus?: (status: EnrollmentStatus) => void;
}

export interface EnrollmentStatus {
  status: 'pending' | 'approved';
  approvalReference: string;
  /** When the next poll goes out. */
  pollAfterMs: number;
}

/** What the enrollment needs from the client. */
export interface EnrollContext {
  url: (path: string) => string;
  fetch: FetchLike;
  key: DeviceKey;
  log: (message: string) => void;
  now: () => number;
}

// When the server names no wait: before polling again, and after a 429 without Retry-After.
const DEFAULT_POLL_MS = 2000;
const DEFAULT_RETRY_MS = 1000;

/**
 * Sends the enrollment request, then polls with a fresh nonce and proof each time until an operator decides.
 * Resolves with the credentials once approved (the server hands them out exactly once: store them before
 * anything else); rejects with EnrollmentDeniedError, EnrollmentExpiredError or a DeviceApiError.
 */
export async function enroll(context: EnrollContext, options: EnrollOptions): Promise<Credentials> {
  const { signal } = options;
  const requestBody: EnrollRequest = {
    hostname: options.hostname,
    enrollment_code: options.enrollmentCode,
    agent_pubkey: context.key.agentPubkey,
    client_nonce: newClientNonce(),
  };
  const request = await post<EnrollRequestReply>(context, PATHS.enrollRequest, () => requestBody, signal);
  const reference = request.approval_reference;
  let pollAfterMs = request.status === 'approved' ? 0 : waitMs(request.poll_after_ms);
  options.onStatus?.({ status: request.status, approvalReference: reference, pollAfterMs });

  for (;;) {
    await sleep(pollAfterMs, signal);
    const reply = await post<EnrollPollReply>(
      context,
      PATHS.enrollPoll,
      (): EnrollPoll => {
        const clientNonce = newClientNonce();
        return {
          approval_reference: reference,
          client_nonce: clientNonce,
          proof_sig: proofSig(context.key.privateKey, request.server_nonce, reference, clientNonce),
        };
      },
      signal,
    );
    switch (reply.status) {
      case 'pending':
        pollAfterMs = waitMs(reply.poll_after_ms);
        options.onStatus?.({ status: 'pending', approvalReference: reference, pollAfterMs });
        break;
      case 'denied':
        throw new EnrollmentDeniedError(reference, reply.reason);
      case 'expired':
        throw new EnrollmentExpiredError(reference);
      case 'approved':
        return {
          deviceId: reply.device_id,
          accessToken: reply.access_token,
          accessTokenExpiresAt: context.now() + reply.expires_in * 1000,
          refreshToken: reply.refresh_token,
          signingKey: request.signing_key,
        };
      default:
        throw new Error(`POST ${PATHS.enrollPoll} answered an unknown status ${JSON.stringify((reply as { status: unknown }).status)}`);
    }
  }
}

/** POSTs a JSON body built afresh for every attempt, waiting out 429s as Retry-After asks. */
async function post<T>(context: EnrollContext, path: string, body: () => object, signal: AbortSignal | undefined): Promise<T> {
  const call = `POST ${path}`;
  for (;;) {
    let response: Response;
    try {
      response = await context.fetch(context.url(path), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body()),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      throw error;
    }
    if (response.status !== 429) return readJson<T>(call, response);
    const refused = await apiError(call, response);
    const delay = refused.retryAfterMs ?? DEFAULT_RETRY_MS;
    context.log(`${call} was rate limited; trying again in ${Math.round(delay / 1000)} s`);
    await sleep(delay, signal);
  }
}

const waitMs = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : DEFAULT_POLL_MS);
