import { verify } from 'node:crypto';
import type { Actor } from '../../../audit/chain.js';
import { DomainError } from '../../../core/errors.js';
import { cursorNamesNothing } from '../../../http/schemas/page.js';
import type { FieldProblem } from '../../../core/errors.js';
import { decodeBase64, parseDeviceKey } from '../shared/device-key.js';
import { HOSTNAME_MAX_LENGTH, HOSTNAME_PATTERN } from '../shared/schemas.js';
import type { DeviceKey } from '../shared/device-key.js';
import type { DpopReplayRepository } from '../dpop/replay-repository.js';
import type { DeviceTokens, IssuedTokens } from '../tokens/token-service.js';
import { workflowIds } from './workflow-ids.js';
import type { Decision, EnrollmentLedger } from './ledger.js';
import { EnrollmentFlowGone } from './temporal-client.js';
import type { EnrollmentTemporalClient } from './temporal-client.js';
import type { Approval, EnrollmentRow, EnrollmentStatus } from '../repositories/enrollments.js';

export interface EnrollRequest {
  hostname?: string;
  enrollment_code?: string;
  agent_pubkey?: string;
  client_nonce?: string;
}

export interface EnrollPoll {
  approval_reference: string;
  client_nonce: string;
  proof_sig: string;
}

export interface EnrollAnswer {
  status: 'pending' | 'approved';
  approval_reference: string;
  server_nonce: string;
  poll_after_ms: number;
  signing_key: string;
}

export type PollAnswer =
  | { status: 'pending'; poll_after_ms: number }
  | { status: 'denied'; reason: string }
  | { status: 'expired' }
  | ({ status: 'approved'; device_id: string } & IssuedTokens);

export interface EnrollmentView {
  reference: string;
  workflow_id: string;
  fingerprint: string;
  hostname: string;
  tags: string[];
  profile: string | null;
  approval: Approval;
  status: EnrollmentStatus;
  reason: string | null;
  device_id: string | null;
  decided_by: string | null;
  decided_at: string | null;
  deadline_at: string;
  credentials_delivered: boolean;
  client_address: string;
  created_at: string;
}

/** Counts enrollment calls against a client address and a device key (the database-backed limiter). */
export interface EnrollLimits {
  hit(address: string | undefined, fingerprint: string | undefined): void;
}

export interface EnrollmentSettings {
  deadlineS: number;
  /** The public key that will sign job payloads, as the device stores it (base64 SPKI DER). */
  signingKey: string;
}

/** How long an agent waits between polls: 12 calls a minute per key leave room for the request and a retry. */
export const POLL_AFTER_MS = 5_000;
/** How long the request waits for an automatic approval to land, so its answer can already say approved. */
const AUTO_APPROVAL_WAIT_MS = 5_000;
/**
 * An enrollment is listed as soon as its row commits, a moment before its flow exists: a decision that finds no
 * flow for an enrollment younger than this waits for the flow rather than deciding around it (the request's start
 * of the flow is bounded by the Temporal call deadline, 10 s).
 */
const FLOW_START_GRACE_MS = 12_000;
const FLOW_LOOK_EVERY_MS = 200;
const MIN_NONCE_BYTES = 16;
const HOSTNAME = new RegExp(HOSTNAME_PATTERN);

const invalid = (code: string, problem: FieldProblem) =>
  new DomainError('invalid', code, `${problem.field} ${problem.message}`, { fields: [problem] });

function nonce(value: string | undefined, field: string): Buffer {
  const bytes = value === undefined ? undefined : decodeBase64(value);
  if (!bytes || bytes.length < MIN_NONCE_BYTES) {
    throw invalid('invalid_client_nonce', { field, message: `must be standard base64 of at least ${MIN_NONCE_BYTES} random bytes` });
  }
  return bytes;
}

/** The request's fields, checked in the order Borealis agents expect their errors. */
function checkRequest(body: EnrollRequest): { hostname: string; key: DeviceKey; code: string } {
  if (!body.hostname?.trim()) throw invalid('hostname_required', { field: 'body.hostname', message: 'is required' });
  const hostname = body.hostname.trim().toLowerCase();
  if (hostname.length > HOSTNAME_MAX_LENGTH || !HOSTNAME.test(hostname)) {
    throw invalid('invalid_hostname', {
      field: 'body.hostname',
      message: 'must be a host name of letters, digits, hyphens and dots (RFC 1123), at most 253 characters',
    });
  }
  const key = parseDeviceKey(body.agent_pubkey ?? '');
  if ('problem' in key) {
    throw invalid('invalid_agent_pubkey', { field: 'body.agent_pubkey', message: body.agent_pubkey ? key.problem : 'is required' });
  }
  nonce(body.client_nonce, 'body.client_nonce');
  return { hostname, key, code: body.enrollment_code ?? '' };
}

/** The bytes a poll's proof signs: server_nonce || approval_reference (UTF-8) || client_nonce. */
export function pollProofInput(serverNonce: Buffer, reference: string, clientNonce: Buffer): Buffer {
  return Buffer.concat([serverNonce, Buffer.from(reference, 'utf8'), clientNonce]);
}

export function enrollmentView(row: EnrollmentRow): EnrollmentView {
  return {
    reference: row.reference,
    workflow_id: workflowIds.enrollment(row.fingerprint),
    fingerprint: row.fingerprint,
    hostname: row.hostname,
    tags: JSON.parse(row.tags) as string[],
    profile: row.profile,
    approval: row.approval,
    status: row.status,
    reason: row.reason,
    device_id: row.device_id,
    decided_by: row.decided_by,
    decided_at: row.decided_at,
    deadline_at: row.deadline_at,
    credentials_delivered: row.delivered_at !== null,
    client_address: row.client_address,
    created_at: row.created_at,
  };
}

/** A device's enrollment from its first request to its first credentials, and the operator's decision between. */
export class EnrollmentService {
  constructor(
    private readonly ledger: EnrollmentLedger,
    private readonly temporal: EnrollmentTemporalClient,
    private readonly tokens: DeviceTokens,
    private readonly replays: DpopReplayRepository,
    private readonly limits: EnrollLimits,
    private readonly settings: EnrollmentSettings,
    private readonly log: (fields: Record<string, unknown>, message: string) => void,
  ) {}

  private answer(row: EnrollmentRow): EnrollAnswer {
    return {
      status: row.status === 'approved' ? 'approved' : 'pending',
      approval_reference: row.reference,
      server_nonce: row.server_nonce,
      poll_after_ms: POLL_AFTER_MS,
      signing_key: this.settings.signingKey,
    };
  }

  /**
   * Opens an enrollment, or answers a repeated request with the one the key has open. A preauthorized key or an
   * auto-approving code is approved by its flow at once, which the answer reports when it lands in time.
   */
  async request(body: EnrollRequest, clientAddress: string, requestId: string): Promise<EnrollAnswer> {
    const checked = checkRequest(body);
    this.limits.hit(undefined, checked.key.fingerprint);
    const deadlineAt = new Date(Date.now() + this.settings.deadlineS * 1000).toISOString();
    const { row, created } = this.ledger.open(
      { key: checked.key, hostname: checked.hostname, code: checked.code, clientAddress, deadlineAt },
      requestId,
      (reason) => this.log({ reason, fingerprint: checked.key.fingerprint, client_address: clientAddress }, 'enrollment code refused'),
    );
    if (!created) return this.answer(row);
    const workflowId = workflowIds.enrollment(row.fingerprint);
    const autoApprovedBy =
      row.approval === 'preauthorized'
        ? 'system:preauthorized'
        : row.approval === 'install_code'
          ? `install_code:${row.install_code_id}`
          : undefined;
    try {
      await this.temporal.start(workflowId, row.hostname, row.fingerprint, {
        reference: row.reference,
        deadlineAt,
        ...(autoApprovedBy ? { autoApprovedBy } : {}),
      });
    } catch (err) {
      this.ledger.abandon(row.reference, requestId);
      throw err;
    }
    if (autoApprovedBy) await this.temporal.outcome(workflowId, AUTO_APPROVAL_WAIT_MS);
    return this.answer(this.ledger.enrollments.get(row.reference)!);
  }

  /** One poll: the proof of key is checked every time and works once; approved, the credentials go out once. */
  async poll(body: EnrollPoll, requestId: string): Promise<PollAnswer> {
    const row = this.ledger.enrollments.get(body.approval_reference);
    if (!row) throw new DomainError('not_found', 'unknown_approval_reference', 'no enrollment has this approval_reference');
    const clientNonce = nonce(body.client_nonce, 'body.client_nonce');
    const signature = decodeBase64(body.proof_sig);
    const key = parseDeviceKey(row.public_key);
    const input = pollProofInput(Buffer.from(row.server_nonce, 'base64'), row.reference, clientNonce);
    if ('problem' in key || !signature || signature.length !== 64 || !verify(null, input, key.key, signature)) {
      throw invalid('invalid_proof_sig', {
        field: 'body.proof_sig',
        message: "must be the device key's Ed25519 signature over server_nonce || approval_reference || client_nonce, in standard base64",
      });
    }
    // Counted once the key's holder has proven itself, so nobody else can use up a device's polls.
    this.limits.hit(undefined, row.fingerprint);
    const until = new Date(Math.max(Date.parse(row.deadline_at), Date.now()) + 3600_000).toISOString();
    if (!this.replays.firstUse(row.fingerprint, `enroll-poll:${row.reference}:${body.client_nonce}`, until)) {
      throw new DomainError('conflict', 'proof_replayed', 'this proof was used already; sign a fresh client_nonce for every poll');
    }
    switch (row.status) {
      case 'pending':
        return { status: 'pending', poll_after_ms: POLL_AFTER_MS };
      case 'denied':
        return { status: 'denied', reason: row.reason ?? 'denied' };
      case 'expired':
        return { status: 'expired' };
      case 'approved':
        return { status: 'approved', ...(await this.tokens.deliver({ actor: `agent:${row.fingerprint}`, requestId }, row)) };
    }
  }

  list(query: { status?: EnrollmentStatus; fingerprint?: string; before?: string; limit?: number }): EnrollmentView[] {
    if (query.before && !this.ledger.enrollments.get(query.before)) {
      throw cursorNamesNothing('before', 'enrollment', query.before);
    }
    return this.ledger.enrollments.list({ ...query, limit: query.limit ?? 100 }).map(enrollmentView);
  }

  get(reference: string): EnrollmentView {
    return enrollmentView(this.enrollment(reference, false));
  }

  private enrollment(reference: string, mustBePending: boolean): EnrollmentRow {
    const row = this.ledger.enrollments.get(reference);
    if (!row) throw new DomainError('not_found', 'ENROLLMENT_NOT_FOUND', `no enrollment ${reference}`);
    if (mustBePending && row.status !== 'pending') {
      throw new DomainError('conflict', 'ENROLLMENT_NOT_PENDING', `enrollment ${reference} is ${row.status}, not pending`, {
        status: row.status,
      });
    }
    return row;
  }

  /**
   * An operator's approve or deny, applied by the enrollment's flow; answered once applied. If the flow is gone
   * (terminated in Temporal), the decision is applied to the database directly: the operator is the one who decides.
   */
  async decide(
    by: Actor,
    reference: string,
    decision: { approved: boolean; reason?: string; hostname?: string; tags?: string[] },
  ): Promise<EnrollmentView> {
    const row = this.enrollment(reference, true);
    const workflowId = workflowIds.enrollment(row.fingerprint);
    const full = { reference, ...decision, by: by.actor, requestId: by.requestId };
    const flowDueBy = Date.parse(row.created_at) + FLOW_START_GRACE_MS;
    for (;;) {
      try {
        await this.temporal.decide(workflowId, full);
        break;
      } catch (err) {
        if (!(err instanceof EnrollmentFlowGone)) throw err;
        if (Date.now() >= flowDueBy || this.ledger.enrollments.get(reference)!.status !== 'pending') {
          this.settleWithoutFlow(reference, full, workflowId);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, FLOW_LOOK_EVERY_MS));
      }
    }
    return enrollmentView(this.ledger.enrollments.get(reference)!);
  }

  /** A flow that never came, or is gone: only the database can take the decision. */
  private settleWithoutFlow(reference: string, full: Decision, workflowId: string): void {
    this.log({ reference }, 'the enrollment flow is gone; the decision goes to the database directly');
    const result = this.ledger.settle(reference, full, workflowId);
    if ('refused' in result) throw new DomainError('conflict', result.refused.code, result.refused.message);
  }
}
