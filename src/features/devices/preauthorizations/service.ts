import { AuditLogRepository } from '../../../audit/audit-log.js';
import { changeEntry } from '../../../audit/chain.js';
import type { Actor } from '../../../audit/chain.js';
import type { Db } from '../../../core/db/database.js';
import { DomainError, invalidFields } from '../../../core/errors.js';
import { parseDeviceKey } from '../shared/device-key.js';
import { PreauthorizationRepository } from './repository.js';
import type { Preauthorization } from './repository.js';
import type { PreauthorizeBody } from './schemas.js';

/** What enrollment takes from an unused preauthorization. */
export interface PreauthorizedKey {
  fingerprint: string;
  hostname: string | null;
  tags: string[];
}

/**
 * Device keys an operator approved before the device asked: the first enrollment of such a key is approved at once.
 * Adding or removing one appends its audit entry in the same transaction.
 */
export class PreauthorizationService {
  private readonly repo: PreauthorizationRepository;
  private readonly audit: AuditLogRepository;

  constructor(private readonly db: Db) {
    this.repo = new PreauthorizationRepository(db);
    this.audit = new AuditLogRepository(db);
  }

  /** Preauthorizes a key given by exactly one of its public key or its fingerprint; a key preauthorized already is a 409. */
  preauthorize(by: Actor, input: PreauthorizeBody, now: Date = new Date()): Preauthorization {
    const fingerprint = this.fingerprintOf(input);
    const record: Preauthorization = {
      fingerprint,
      // Host names compare without regard to case (RFC 4343): one form is kept.
      hostname: input.hostname?.toLowerCase() ?? null,
      tags: input.tags,
      created_at: now.toISOString(),
      created_by: by.actor,
      used_at: null,
    };
    this.db
      .transaction(() => {
        if (!this.repo.insert(record)) {
          throw new DomainError('conflict', 'PREAUTHORIZATION_EXISTS', `the device key ${fingerprint} is already preauthorized`, {
            fingerprint,
          });
        }
        this.audit.append(changeEntry(by, 'device.preauthorized', { fingerprint, hostname: record.hostname, tags: record.tags }));
      })
      .immediate();
    return record;
  }

  private fingerprintOf(input: PreauthorizeBody): string {
    if (input.public_key !== undefined && input.fingerprint !== undefined) {
      throw invalidFields([{ field: 'body.fingerprint', message: 'must not be sent with body.public_key: send one of them' }]);
    }
    if (input.fingerprint !== undefined) return input.fingerprint;
    if (input.public_key === undefined) throw invalidFields([{ field: 'body.public_key', message: 'or body.fingerprint is required' }]);
    const key = parseDeviceKey(input.public_key);
    if ('problem' in key) throw invalidFields([{ field: 'body.public_key', message: key.problem }]);
    return key.fingerprint;
  }

  /** Every preauthorization, used or not, oldest first. */
  list(): Preauthorization[] {
    return this.repo.list();
  }

  /** Removes an unused preauthorization, or throws: 404 for none, 409 for one a device has used (it stays as a record). */
  remove(by: Actor, fingerprint: string): void {
    this.db
      .transaction(() => {
        const found = this.repo.get(fingerprint);
        if (!found) {
          throw new DomainError('not_found', 'PREAUTHORIZATION_NOT_FOUND', `the device key ${fingerprint} is not preauthorized`, {
            fingerprint,
          });
        }
        if (!this.repo.removeUnused(fingerprint)) {
          throw new DomainError(
            'conflict',
            'PREAUTHORIZATION_USED',
            `the preauthorization of ${fingerprint} was used at ${found.used_at}; it stays as a record`,
            { fingerprint, used_at: found.used_at },
          );
        }
        this.audit.append(changeEntry(by, 'device.preauthorization_removed', { fingerprint, hostname: found.hostname, tags: found.tags }));
      })
      .immediate();
  }

  /** The unused preauthorization of this key, if any; a plain statement, for the caller's transaction. */
  find(fingerprint: string): PreauthorizedKey | undefined {
    const found = this.repo.unused(fingerprint);
    return found && { fingerprint: found.fingerprint, hostname: found.hostname, tags: found.tags };
  }

  /** Marks the key's preauthorization used at `now` (an ISO time); false if it was not there unused. A plain statement. */
  markUsed(fingerprint: string, now: string): boolean {
    return this.repo.markUsed(fingerprint, new Date(now).toISOString());
  }
}
