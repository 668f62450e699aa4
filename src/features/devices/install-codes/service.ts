import { AuditLogRepository } from '../../../audit/audit-log.js';
import { changeEntry } from '../../../audit/chain.js';
import type { Actor } from '../../../audit/chain.js';
import { newId } from '../../../core/crypto/secrets.js';
import type { Db } from '../../../core/db/database.js';
import { DomainError } from '../../../core/errors.js';
import { installCodeHash, newInstallCode, normaliseInstallCode } from './code.js';
import { InstallCodeRepository } from './repository.js';
import type { InstallCode } from './repository.js';
import type { CreateInstallCodeBody, InstallCodeState } from './schemas.js';

/** An install code as operators see it: never the code or its hash. */
export interface InstallCodeView extends InstallCode {
  state: InstallCodeState;
}

/** What enrollment learns from a code it redeemed. */
export interface RedeemedCode {
  id: string;
  tags: string[];
  profile: string | null;
  auto_approve: boolean;
}

/**
 * The outcome of a redemption. The reason of a failure is for the server log only: a device is told the same
 * thing whatever it was, so a guesser cannot tell a code that exists from one that does not.
 */
export type RedeemResult = { ok: true; code: RedeemedCode } | { ok: false; reason: 'unknown' | 'expired' | 'used_up' | 'revoked' };

/** Where a code stands at `now` (stored form): revoked first, then expired, then used up. */
export function stateOf(code: InstallCode, now: string): InstallCodeState {
  if (code.revoked_at !== null) return 'revoked';
  if (code.expires_at <= now) return 'expired';
  if (code.uses >= code.max_uses) return 'used_up';
  return 'active';
}

/**
 * Install codes: what an operator hands out for devices to enroll with. Only the SHA-256 of a code is kept; the code
 * itself is returned once, by `create`. Creating or revoking one appends its audit entry in the same transaction,
 * and the entry never holds the code or its hash.
 */
export class InstallCodeService {
  private readonly repo: InstallCodeRepository;
  private readonly audit: AuditLogRepository;

  constructor(private readonly db: Db) {
    this.repo = new InstallCodeRepository(db);
    this.audit = new AuditLogRepository(db);
  }

  create(by: Actor, input: CreateInstallCodeBody, now: Date = new Date()): { code: string; install_code: InstallCodeView } {
    const code = newInstallCode();
    const record: InstallCode = {
      id: newId('ic'),
      tags: input.tags,
      profile: input.profile ?? null,
      auto_approve: input.auto_approve ?? false,
      note: input.note ?? '',
      max_uses: input.max_uses,
      uses: 0,
      expires_at: new Date(now.getTime() + input.ttl_s * 1000).toISOString(),
      created_at: now.toISOString(),
      created_by: by.actor,
      last_used_at: null,
      revoked_at: null,
    };
    this.db
      .transaction(() => {
        this.repo.insert(record, installCodeHash(normaliseInstallCode(code)!));
        this.audit.append(
          changeEntry(by, 'install_code.created', {
            install_code_id: record.id,
            tags: record.tags,
            profile: record.profile,
            auto_approve: record.auto_approve,
            max_uses: record.max_uses,
            expires_at: record.expires_at,
          }),
        );
      })
      .immediate();
    return { code, install_code: { ...record, state: stateOf(record, record.created_at) } };
  }

  /** Every code, oldest first, with its state at `now`. */
  list(now: Date = new Date()): InstallCodeView[] {
    const at = now.toISOString();
    return this.repo.list().map((code) => ({ ...code, state: stateOf(code, at) }));
  }

  /** Revokes a code that is not revoked yet, or throws; devices enrolled with it stay as they are. */
  revoke(by: Actor, id: string, now: Date = new Date()): void {
    const revoked = this.db
      .transaction(() => {
        const code = this.repo.get(id);
        if (!code || !this.repo.revoke(id, now.toISOString())) return false;
        this.audit.append(changeEntry(by, 'install_code.revoked', { install_code_id: id, tags: code.tags, uses: code.uses }));
        return true;
      })
      .immediate();
    if (!revoked) throw new DomainError('not_found', 'INSTALL_CODE_NOT_FOUND', `no unrevoked install code ${id}`, { id });
  }

  /**
   * Takes one use of the code a device presented, at `now` (an ISO time), if it is live; plain statements, so it
   * runs inside the caller's transaction. The use is taken by one conditional UPDATE: of two replicas racing for a
   * code's last use, exactly one wins. A failure's reason is read afterwards, for the log only.
   */
  redeem(presented: string, now: string): RedeemResult {
    const normalised = normaliseInstallCode(presented);
    if (normalised === undefined) return { ok: false, reason: 'unknown' };
    const hash = installCodeHash(normalised);
    const at = new Date(now).toISOString();
    const used = this.repo.takeUse(hash, at);
    if (used) return { ok: true, code: { id: used.id, tags: used.tags, profile: used.profile, auto_approve: used.auto_approve } };
    const code = this.repo.byHash(hash);
    if (!code) return { ok: false, reason: 'unknown' };
    const state = stateOf(code, at);
    // 'active' here would mean the code changed between the two statements: it was used up meanwhile.
    return { ok: false, reason: state === 'active' ? 'used_up' : state };
  }

  /** Gives back the use an enrollment took when it could not start (Temporal refused its flow); runs inside the caller's transaction. */
  giveBack(id: string): void {
    this.repo.returnUse(id);
  }
}
