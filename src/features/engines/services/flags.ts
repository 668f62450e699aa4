import type { Actor } from '../../../audit/chain.js';
import { nowIso } from '../../../core/crypto/secrets.js';
import type { Db } from '../../../core/db/database.js';
import { DomainError } from '../../../core/errors.js';
import { FlagRepository } from '../repositories/flags.js';
import type { FeatureFlag } from '../repositories/flags.js';
import type { PutFlagBody } from '../schemas.js';
import type { ChangeLog } from './change-log.js';
import type { PlatformService } from './platforms.js';

/** Feature flags: one that names a platform and/or action type, when disabled, denies matching checks. */
export class FlagService {
  private readonly flags: FlagRepository;

  constructor(
    db: Db,
    private readonly changes: ChangeLog,
    private readonly platforms: PlatformService,
  ) {
    this.flags = new FlagRepository(db);
  }

  list(): FeatureFlag[] {
    return this.flags.list();
  }

  put(by: Actor, name: string, body: PutFlagBody): FeatureFlag {
    const input = {
      name,
      enabled: body.enabled,
      platform_id: body.platform ?? null,
      action_type: body.action_type ?? null,
      description: body.description,
    };
    return this.changes.inTxn(() => {
      // A gate on a misspelt platform would be stored, answered 200 and gate nothing.
      if (input.platform_id !== null) this.platforms.get(input.platform_id);
      const flag: FeatureFlag = { ...input, updated_at: nowIso() };
      const before = this.flags.get(name) ?? null;
      this.flags.upsert(flag);
      this.changes.record(
        by,
        'flag.set',
        { name, before, after: input },
        { platform_id: flag.platform_id ?? undefined, action_type: flag.action_type ?? undefined },
      );
      return flag;
    });
  }

  delete(by: Actor, name: string): void {
    this.changes.inTxn(() => {
      if (!this.flags.delete(name)) throw new DomainError('not_found', 'FLAG_NOT_FOUND', `no feature flag ${name}`);
      this.changes.record(by, 'flag.deleted', { name });
    });
  }
}
