import type { Actor } from '../../../audit/chain.js';
import { nowIso } from '../../../core/crypto/secrets.js';
import type { Db } from '../../../core/db/database.js';
import { PlatformRepository } from '../repositories/platforms.js';
import type { Platform, PlatformStatus } from '../repositories/platforms.js';
import type { PutPlatformBody } from '../schemas.js';
import type { ChangeLog } from './change-log.js';
import { notFound } from './errors.js';

/**
 * Platforms and their status, including where a platform returns to when its maintenance windows end: an operator's
 * status set while a window runs is the one it keeps.
 */
export class PlatformService {
  private readonly platforms: PlatformRepository;

  constructor(
    db: Db,
    private readonly changes: ChangeLog,
  ) {
    this.platforms = new PlatformRepository(db);
  }

  get(id: string): Platform {
    const platform = this.platforms.get(id);
    if (!platform) throw notFound.platform(id);
    return platform;
  }

  /** A status left out keeps the platform's own, so updating a version cannot reopen a disabled platform or end a maintenance. */
  put(by: Actor, id: string, input: PutPlatformBody): Platform {
    return this.changes.inTxn(() => {
      const before = this.platforms.get(id);
      const platform: Platform = { id, ...input, status: input.status ?? before?.status ?? 'active', updated_at: nowIso() };
      this.platforms.upsert(platform);
      // Sent, it is the operator's, even when it is what the platform reads already (maintenance during a window).
      if (input.status) this.keepThroughWindows(id, input.status);
      this.changes.record(
        by,
        before ? 'platform.updated' : 'platform.created',
        { before: before ?? null, after: { id, ...input, status: platform.status } },
        { platform_id: id },
      );
      return platform;
    });
  }

  setStatus(by: Actor, id: string, status: PlatformStatus): Platform {
    return this.changes.inTxn(() => {
      const platform = this.get(id);
      this.platforms.setStatus(id, status, nowIso());
      this.keepThroughWindows(id, status);
      this.changes.record(by, 'platform.status', { from: platform.status, to: status }, { platform_id: id });
      return { ...platform, status };
    });
  }

  /**
   * A window of the platform begins: it goes into maintenance (a disabled one stays disabled), and the status it had
   * is kept to return to, unless another window already keeps one. Returns the platform's status now.
   */
  windowBegins(id: string): PlatformStatus {
    const platform = this.get(id);
    if (this.platforms.statusAfterWindows(id) === null) this.platforms.setStatusAfterWindows(id, platform.status);
    if (platform.status === 'disabled') return platform.status;
    this.platforms.setStatus(id, 'maintenance', nowIso());
    return 'maintenance';
  }

  /** The last window of the platform under way ends: maintenance gives way to the status kept. Returns the platform's status now. */
  windowsEnd(id: string): PlatformStatus {
    const platform = this.get(id);
    const after = this.platforms.statusAfterWindows(id);
    this.platforms.setStatusAfterWindows(id, null);
    if (platform.status !== 'maintenance' || after === null) return platform.status;
    this.platforms.setStatus(id, after, nowIso());
    return after;
  }

  private keepThroughWindows(id: string, status: PlatformStatus): void {
    if (this.platforms.statusAfterWindows(id) !== null) this.platforms.setStatusAfterWindows(id, status);
  }
}
