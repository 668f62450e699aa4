import { randomBytes } from 'node:crypto';
import { changeEntry } from '../../../audit/chain.js';
import type { Actor } from '../../../audit/chain.js';
import { AuditLogRepository } from '../../../audit/audit-log.js';
import { newId, nowIso } from '../../../core/crypto/secrets.js';
import type { Db } from '../../../core/db/database.js';
import { DomainError } from '../../../core/errors.js';
import { EventLog } from '../../../core/events/event-log.js';
import { parseDeviceKey } from '../shared/device-key.js';
import type { DeviceKey } from '../shared/device-key.js';
import { DeviceRepository } from '../repositories/devices.js';
import { EnrollmentRepository } from '../repositories/enrollments.js';
import type { Approval, EnrollmentRow, EnrollmentStatus } from '../repositories/enrollments.js';
import type { InstallCodeService } from '../install-codes/service.js';
import type { PreauthorizationService } from '../preauthorizations/service.js';

/** Where the ledger finds, inside its transaction, what lets a key in: install codes and preauthorizations. */
export interface EnrollmentSources {
  codes: Pick<InstallCodeService, 'redeem' | 'giveBack'>;
  preauthorizations: Pick<PreauthorizationService, 'find' | 'markUsed'>;
}

export interface EnrollmentDraft {
  key: DeviceKey;
  hostname: string;
  code: string;
  clientAddress: string;
  deadlineAt: string;
}

export interface Decision {
  /** The enrollment decided: a flow applies only its own enrollment's decision. */
  reference: string;
  approved: boolean;
  by: string;
  requestId: string | null;
  reason?: string;
  hostname?: string;
  tags?: string[];
}

/** A decision the ledger could not apply as asked; the enrollment stays pending. */
export interface Refusal {
  refused: { code: 'hostname_in_use'; message: string; device_id: string };
}

const agentActor = (key: DeviceKey, requestId: string): Actor => ({ actor: `agent:${key.fingerprint}`, requestId });

/** The install code was unknown, expired, used up or revoked: which one, only the server log says. */
export const invalidCode = () =>
  new DomainError('forbidden', 'invalid_enrollment_code', 'the enrollment code is not valid; ask the operator for a current one');

/**
 * Enrollments as rows: each change with its audit entry in one transaction, no Temporal. The API opens them and
 * hands out credentials; the enrollment workflow's activities settle them.
 */
export class EnrollmentLedger {
  readonly enrollments: EnrollmentRepository;
  readonly devices: DeviceRepository;
  private readonly audit: AuditLogRepository;
  private readonly events: EventLog;

  constructor(
    private readonly db: Db,
    private readonly sources?: EnrollmentSources,
  ) {
    this.enrollments = new EnrollmentRepository(db);
    this.devices = new DeviceRepository(db);
    this.audit = new AuditLogRepository(db);
    this.events = new EventLog(db);
  }

  /**
   * Opens an enrollment for a key, or returns the one it already has in progress (a repeated request). The key
   * must be preauthorized or bring a live install code; a known device's key cannot enroll again.
   */
  open(draft: EnrollmentDraft, requestId: string, log: (reason: string) => void): { row: EnrollmentRow; created: boolean } {
    const sources = this.sources!;
    return this.db
      .transaction(() => {
        const { key } = draft;
        const device = this.devices.byFingerprint(key.fingerprint);
        if (device?.status === 'revoked') {
          throw new DomainError(
            'forbidden',
            'device_revoked',
            'this device key was revoked; an operator must purge the device before it enrolls again',
          );
        }
        if (device) throw new DomainError('conflict', 'device_already_enrolled', `this key already belongs to device ${device.id}`);
        const open = this.enrollments.open(key.fingerprint);
        if (open) return { row: open, created: false };

        const now = nowIso();
        let approval: Approval = 'operator';
        let tags: string[];
        let profile: string | null = null;
        let codeId: string | null = null;
        let hostname = draft.hostname;
        const preauthorized = sources.preauthorizations.find(key.fingerprint);
        if (preauthorized) {
          approval = 'preauthorized';
          tags = preauthorized.tags;
          hostname = preauthorized.hostname ?? hostname;
          sources.preauthorizations.markUsed(key.fingerprint, now);
        } else {
          const redeemed = sources.codes.redeem(draft.code, now);
          if (!redeemed.ok) {
            log(redeemed.reason);
            throw invalidCode();
          }
          codeId = redeemed.code.id;
          tags = redeemed.code.tags;
          profile = redeemed.code.profile;
          if (redeemed.code.auto_approve) approval = 'install_code';
        }
        const row: EnrollmentRow = {
          reference: newId('enr'),
          fingerprint: key.fingerprint,
          public_key: key.spki,
          hostname,
          tags: JSON.stringify(tags),
          profile,
          install_code_id: codeId,
          approval,
          server_nonce: randomBytes(32).toString('base64'),
          client_address: draft.clientAddress,
          status: 'pending',
          reason: null,
          device_id: null,
          decided_by: null,
          decided_at: null,
          deadline_at: draft.deadlineAt,
          delivered_at: null,
          created_at: now,
        };
        this.enrollments.insert(row);
        this.audit.append(
          changeEntry(agentActor(key, requestId), 'enrollment.requested', {
            reference: row.reference,
            fingerprint: key.fingerprint,
            hostname,
            approval,
            install_code_id: codeId,
            client_address: draft.clientAddress,
          }),
        );
        this.events.append({
          type: 'device.enrollment_requested',
          subject: row.reference,
          data: { fingerprint: key.fingerprint, hostname, approval, install_code_id: codeId },
        });
        return { row, created: true };
      })
      .immediate();
  }

  /** Temporal did not take the enrollment's flow: the enrollment ends, and its install code gets its use back. */
  abandon(reference: string, requestId: string): void {
    this.db
      .transaction(() => {
        const row = this.enrollments.get(reference);
        const settled = this.enrollments.settle(reference, {
          status: 'expired',
          reason: 'the control plane could not start its approval flow; request again',
          device_id: null,
          decided_by: 'system',
          decided_at: nowIso(),
        });
        if (!settled || !row) return;
        if (row.install_code_id) this.sources!.codes.giveBack(row.install_code_id);
        this.audit.append(changeEntry({ actor: 'system', requestId }, 'enrollment.abandoned', { reference, fingerprint: row.fingerprint }));
        this.events.append({
          type: 'device.enrollment_expired',
          subject: reference,
          data: { fingerprint: row.fingerprint, hostname: row.hostname, reason: 'the approval flow could not be started' },
        });
      })
      .immediate();
  }

  /**
   * Applies a decision, or the deadline (`decision` undefined), to a pending enrollment. Idempotent: an
   * enrollment settled already comes back as it is, so a retried activity never applies a decision twice.
   */
  settle(reference: string, decision: Decision | undefined, workflowId: string): EnrollmentRow | Refusal {
    return this.db
      .transaction((): EnrollmentRow | Refusal => {
        const row = this.enrollments.get(reference);
        if (!row) throw new DomainError('not_found', 'ENROLLMENT_NOT_FOUND', `no enrollment ${reference}`);
        if (row.status !== 'pending') return row;
        const by: Actor = { actor: decision?.by ?? `workflow:${workflowId}`, requestId: decision?.requestId ?? null };
        const now = nowIso();
        if (!decision || !decision.approved) {
          const status: EnrollmentStatus = decision ? 'denied' : 'expired';
          const reason = decision ? (decision.reason ?? 'denied by an operator') : 'no operator decided before the deadline';
          this.enrollments.settle(reference, { status, reason, device_id: null, decided_by: by.actor, decided_at: now });
          this.audit.append(changeEntry(by, `enrollment.${status}`, { reference, fingerprint: row.fingerprint, reason }));
          this.events.append({
            type: `device.enrollment_${status}`,
            subject: reference,
            data: { fingerprint: row.fingerprint, hostname: row.hostname, reason, decided_by: by.actor },
          });
          return this.enrollments.get(reference)!;
        }
        const hostname = decision.hostname ?? row.hostname;
        const holder = this.devices.byHostname(hostname);
        if (holder) {
          return {
            refused: {
              code: 'hostname_in_use',
              message: `hostname ${hostname} belongs to device ${holder.id}; approve with another hostname, or purge that device first`,
              device_id: holder.id,
            },
          };
        }
        const deviceId = newId('dev');
        const tags = decision.tags ? JSON.stringify(decision.tags) : row.tags;
        this.devices.insert({
          id: deviceId,
          fingerprint: row.fingerprint,
          public_key: row.public_key,
          jkt: jktOf(row),
          hostname,
          tags,
          profile: row.profile,
          status: 'active',
          token_version: 0,
          enrollment_reference: reference,
          enrolled_at: now,
          status_changed_at: now,
          status_reason: null,
          last_seen_at: null,
          inventory: null,
        });
        this.enrollments.settle(reference, {
          status: 'approved',
          reason: null,
          device_id: deviceId,
          decided_by: by.actor,
          decided_at: now,
        });
        this.audit.append(
          changeEntry(by, 'enrollment.approved', {
            reference,
            fingerprint: row.fingerprint,
            device_id: deviceId,
            hostname,
            tags: JSON.parse(tags),
          }),
        );
        this.events.append({
          type: 'device.enrolled',
          subject: deviceId,
          data: { reference, fingerprint: row.fingerprint, hostname, tags: JSON.parse(tags) as string[], decided_by: by.actor },
        });
        return this.enrollments.get(reference)!;
      })
      .immediate();
  }
}

/** The thumbprint of the enrollment's key (parsed when the enrollment was opened), which its device's tokens are bound to. */
function jktOf(row: EnrollmentRow): string {
  const parsed = parseDeviceKey(row.public_key);
  if ('problem' in parsed) throw new Error(`the stored key of enrollment ${row.reference} is not valid: ${parsed.problem}`);
  return parsed.jkt;
}
