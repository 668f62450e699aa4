import { CredentialsStore } from './credentials-store.js';
import type { Credentials } from './credentials-store.js';
import { createDpopProof } from './dpop-proof.js';
import { enroll } from './enroll.js';
import type { EnrollOptions } from './enroll.js';
import { DeviceApiError, NotEnrolledError } from './errors.js';
import { apiError, dpopChallengeError, readJson, withDeadline } from './http.js';
import type { FetchLike } from './http.js';
import { jobSigningKey } from './job-payload.js';
import { loadOrCreateDeviceKey } from './key-store.js';
import type { DeviceKey } from './key-store.js';
import { verifyWork } from './work.js';
import type { WorkBatch } from './work.js';
import { PATHS, runPath } from './wire.js';
import type {
  DeviceRecord,
  HeartbeatReply,
  HeartbeatRequest,
  ProgressReply,
  ProgressRequest,
  RefreshRequest,
  RunResult,
  RunResultReply,
  TokenGrant,
  WorkReply,
} from './wire.js';

export interface DeviceClientOptions {
  /** The control plane's base URL, `https://borg.example.com` (a path prefix is kept). */
  baseUrl: string;
  /** Where the key and credentials live; created 0700 when missing. */
  stateDir: string;
  /** Sends the requests; default the global fetch. */
  fetch?: FetchLike;
  /** Told about retries and refreshes, one line each. */
  log?: (message: string) => void;
  /** The clock, in milliseconds since the epoch; default Date.now. */
  now?: () => number;
}

export interface NextWorkOptions {
  /** How long the server may hold the poll when no work is ready: whole seconds, 0 to 60; default 30. */
  waitS?: number;
  /** Ends the poll at once: `nextWork` rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** An access token that expires within this is refreshed before it is sent. */
export const REFRESH_MARGIN_MS = 60_000;
/** The longest a work poll may wait on the server, and how long it does unless told. */
export const MAX_WORK_WAIT_S = 60;
export const DEFAULT_WORK_WAIT_S = 30;
/** A work poll without an answer this long after its wait is given up on: the connection is taken for dead. */
export const WORK_TIMEOUT_MARGIN_S = 5;

/**
 * The device's side of the control plane's `/api/agent/*` API: enrollment, token refresh, and DPoP-bound calls.
 * Keep one client per state directory: refresh tokens rotate, and two holders of one would revoke each other.
 */
export class DeviceClient {
  private readonly baseUrl: string;
  private readonly http: FetchLike;
  private readonly log: (message: string) => void;
  private readonly now: () => number;
  private readonly store: CredentialsStore;
  private key: Promise<DeviceKey> | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly options: DeviceClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.http = options.fetch ?? ((input, init) => fetch(input, init));
    this.log = options.log ?? (() => undefined);
    this.now = options.now ?? Date.now;
    this.store = new CredentialsStore(options.stateDir);
  }

  /** The device key, generated on first use; its `agentPubkey` and `fingerprint` identify the device to operators. */
  deviceKey(): Promise<DeviceKey> {
    this.key ??= loadOrCreateDeviceKey(this.options.stateDir).catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }

  /** The stored credentials, or undefined before the device enrolled. */
  credentials(): Promise<Credentials | undefined> {
    return this.store.get();
  }

  /**
   * Enrolls the device: sends the request, polls until an operator decides, stores the credentials and returns
   * the device id. Rejects with EnrollmentDeniedError (carrying the reason), EnrollmentExpiredError, or a
   * DeviceApiError (an unknown approval reference, a refused install code, …); with the signal's reason on abort.
   */
  async enroll(options: EnrollOptions): Promise<{ deviceId: string }> {
    const key = await this.deviceKey();
    const credentials = await enroll({ url: (path) => this.url(path), fetch: this.http, key, log: this.log, now: this.now }, options);
    await this.store.set(credentials);
    return { deviceId: credentials.deviceId };
  }

  /**
   * Exchanges the refresh token for new tokens and stores the new refresh token durably before resolving.
   * Concurrent callers share one request: a second refresh with the same token would count as reuse and revoke
   * the whole token family.
   */
  refresh(): Promise<void> {
    this.refreshing ??= this.refreshOnce().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /**
   * A call to a DPoP-protected resource: `Authorization: DPoP <access token>` and a proof with `ath`. Refreshes
   * first when the token expires within 60 s; on a 401 `invalid_token` refreshes and retries once, on
   * `use_dpop_nonce` retries once with the server's nonce. The body must be resendable (a string or bytes).
   */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    let credentials = await this.enrolled();
    if (credentials.accessTokenExpiresAt - this.now() < REFRESH_MARGIN_MS) {
      await this.refresh();
      credentials = await this.enrolled();
    }
    let retriedNonce = false;
    let retriedToken = false;
    for (;;) {
      const { accessToken } = credentials;
      const response = await this.send(path, init, accessToken);
      if (response.status !== 401) return response;
      const challenge = dpopChallengeError(response.headers.get('www-authenticate'));
      if (challenge === 'use_dpop_nonce' && !retriedNonce && response.headers.has('dpop-nonce')) {
        retriedNonce = true;
      } else if (challenge === 'invalid_token' && !retriedToken) {
        retriedToken = true;
        // A concurrent call may have refreshed since this one was sent: then its token is the one to retry with.
        if ((await this.enrolled()).accessToken === accessToken) await this.refresh();
      } else {
        return response;
      }
      await response.body?.cancel().catch(() => undefined);
      credentials = await this.enrolled();
    }
  }

  /** `POST /api/agent/heartbeat`: reports the inventory; answers the interval the server wants. */
  heartbeat(inventory: HeartbeatRequest): Promise<HeartbeatReply> {
    return this.post<HeartbeatReply>(PATHS.heartbeat, inventory);
  }

  /**
   * `GET /api/agent/work?wait=<waitS>`: waits for this device's next work, up to `waitS` seconds on the server
   * (a few more here before the connection is taken for dead). Every item is verified on its own
   * ({@link verifyJobPayload}, and it must name the run and job its payload names): the good ones come back as
   * jobs, the others as refusals, each also logged. An empty batch means nothing was ready: poll again.
   */
  async nextWork(options: NextWorkOptions = {}): Promise<WorkBatch> {
    const waitS = options.waitS ?? DEFAULT_WORK_WAIT_S;
    if (!Number.isInteger(waitS) || waitS < 0 || waitS > MAX_WORK_WAIT_S) {
      throw new RangeError(`waitS must be a whole number of seconds from 0 to ${MAX_WORK_WAIT_S}, got ${waitS}`);
    }
    const { deviceId, signingKey } = await this.enrolled();
    // Parsed before polling: a broken key must not take work off the server that no one can then verify.
    const key = jobSigningKey(signingKey);
    const call = `GET ${PATHS.work}`;
    const reply = await withDeadline(call, (waitS + WORK_TIMEOUT_MARGIN_S) * 1000, options.signal, async (signal) =>
      readJson<WorkReply>(call, await this.fetch(`${PATHS.work}?wait=${waitS}`, { signal })),
    );
    if (!Array.isArray(reply?.items)) throw new DeviceApiError(200, 'invalid_reply', 'the reply has no items array', call);
    const batch = verifyWork(reply.items, { signingKey: key, deviceId, now: this.now() });
    for (const refused of batch.refused) {
      this.log(`refused the work item for run ${refused.runId ?? '(none)'} of job ${refused.jobId ?? '(none)'}: ${refused.message}`);
    }
    return batch;
  }

  /** `POST /api/agent/runs/:run/progress`: the script started. Answers the device's status in the run as the server has it. */
  reportProgress(runId: string): Promise<ProgressReply> {
    const body: ProgressRequest = { state: 'running' };
    return this.post<ProgressReply>(runPath(PATHS.runProgress, runId), body);
  }

  /**
   * `POST /api/agent/runs/:run/result`: how the script ended ({@link runScript} makes the body). Idempotent, so
   * safe to send again after a failure. A DeviceApiError with status 403 means the run did not target this
   * device, 404 that the server knows no such run. `late` in the answer: the server had already given this device
   * its verdict (a timeout), so the result was kept but changed nothing.
   */
  reportResult(runId: string, result: RunResult): Promise<RunResultReply> {
    return this.post<RunResultReply>(runPath(PATHS.runResult, runId), result);
  }

  /** `GET /api/agent/me`: the device's record. */
  async me(): Promise<DeviceRecord> {
    return readJson<DeviceRecord>(`GET ${PATHS.me}`, await this.fetch(PATHS.me));
  }

  /** POSTs a JSON body to a DPoP-protected resource and reads the JSON answer. */
  private async post<T>(path: string, body: object): Promise<T> {
    const response = await this.fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return readJson<T>(`POST ${path}`, response);
  }

  private async refreshOnce(): Promise<void> {
    const { refreshToken } = await this.enrolled();
    const call = `POST ${PATHS.refresh}`;
    const body: RefreshRequest = { refresh_token: refreshToken };
    const post = () =>
      this.send(PATHS.refresh, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    let response = await post();
    // A proof refused for its nonce did not use the refresh token up: the same token goes again, once.
    if (
      !response.ok &&
      dpopChallengeError(response.headers.get('www-authenticate')) === 'use_dpop_nonce' &&
      response.headers.has('dpop-nonce')
    ) {
      await response.body?.cancel().catch(() => undefined);
      response = await post();
    }
    if (!response.ok) throw await apiError(call, response);
    const grant = await readJson<TokenGrant>(call, response);
    if (typeof grant.refresh_token !== 'string' || typeof grant.access_token !== 'string' || typeof grant.expires_in !== 'number') {
      throw new Error(`${call} answered 200 without access_token, refresh_token and expires_in`);
    }
    await this.store.update({
      accessToken: grant.access_token,
      accessTokenExpiresAt: this.now() + grant.expires_in * 1000,
      refreshToken: grant.refresh_token,
    });
    this.log(`refreshed the access token; it expires in ${grant.expires_in} s`);
  }

  /** Sends one request with a fresh DPoP proof (with `ath` when an access token goes along) and keeps its DPoP-Nonce. */
  private async send(path: string, init: RequestInit, accessToken?: string): Promise<Response> {
    const key = await this.deviceKey();
    const url = this.url(path);
    const method = (init.method ?? 'GET').toUpperCase();
    const nonce = (await this.store.get())?.dpopNonce;
    const headers = new Headers(init.headers);
    headers.set(
      'dpop',
      createDpopProof(key, { method, url, now: this.now(), ...(accessToken ? { accessToken } : {}), ...(nonce ? { nonce } : {}) }),
    );
    if (accessToken !== undefined) headers.set('authorization', `DPoP ${accessToken}`);
    const response = await this.http(url, { ...init, method, headers });
    const next = response.headers.get('dpop-nonce');
    if (next !== null && next !== nonce) await this.rememberNonce(next);
    return response;
  }

  /** Keeps the server's latest nonce in memory at once and on disk; a failed write only costs a retry later. */
  private async rememberNonce(nonce: string): Promise<void> {
    if ((await this.store.get()) === undefined) return;
    void this.store
      .update({ dpopNonce: nonce })
      .catch((error: unknown) => this.log(`could not store the DPoP nonce: ${(error as Error).message}`));
  }

  private async enrolled(): Promise<Credentials> {
    const credentials = await this.store.get();
    if (credentials === undefined) throw new NotEnrolledError(this.store.file);
    return credentials;
  }

  private url(path: string): string {
    if (!path.startsWith('/')) throw new TypeError(`a path under the base URL must start with /: got ${JSON.stringify(path)}`);
    return this.baseUrl + path;
  }
}
