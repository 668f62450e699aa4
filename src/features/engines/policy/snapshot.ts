import type { BaseLogger } from 'pino';
import type { Db } from '../../../core/db/database.js';
import { EngineRepository } from '../repositories/engines.js';
import type { EngineStatus } from '../repositories/engines.js';
import { FlagRepository } from '../repositories/flags.js';
import type { FeatureFlag } from '../repositories/flags.js';
import { GrantRepository } from '../repositories/grants.js';
import { MaintenanceRepository } from '../repositories/maintenance.js';
import type { Grant } from '../repositories/grants.js';
import { PlatformRepository } from '../repositories/platforms.js';
import type { Platform, PlatformStatus } from '../repositories/platforms.js';
import { PolicyStateRepository } from '../repositories/policy-state.js';
import type { Verdict } from './verdict.js';

export interface EngineEntry {
  id: string;
  status: EngineStatus;
  /** The stored key hash, decoded once here rather than on every request. */
  key_digest: Buffer;
}

/** A grant as checks read it: its end in milliseconds (null: never) and, for an active one, the verdict it gives, made once per load. */
export interface GrantEntry {
  id: string;
  active: boolean;
  expiresMs: number | null;
  granted: Verdict;
}

/** A maintenance window not yet over, in milliseconds since the epoch. */
export interface WindowSpan {
  id: string;
  startsMs: number;
  endsMs: number;
  ends_at: string;
}

/** Everything a check reads, held in memory. */
export interface PolicySnapshot {
  version: number;
  engines: Map<string, EngineEntry>;
  /** Each platform with the status it has outside its windows (see `statusOutsideWindows`): a window in force is checked apart, by the clock. */
  platforms: Map<string, Platform>;
  /** Active grants keyed `engine|platform|action`, with the latest expired one of each key (it only names the reason of a denial). */
  grants: Map<string, GrantEntry[]>;
  /** Disabled flags that name a platform and/or action type. */
  gates: FeatureFlag[];
  flags: FeatureFlag[];
  /** Scheduled and active windows by platform: a check inside one is denied whether or not its flow has run yet. */
  windows: Map<string, WindowSpan[]>;
}

/** The window of `platform` in force at `nowMs`, if any: from its first millisecond to its end, whatever its flow has done. */
export function windowInForce(snapshot: PolicySnapshot, platform: string, nowMs: number): WindowSpan | undefined {
  return snapshot.windows.get(platform)?.find((w) => w.startsMs <= nowMs && nowMs < w.endsMs);
}

/** Each platform with the status checks apply at `nowMs`: maintenance while a window is in force, by the clock. */
export function platformsAsChecked(snapshot: PolicySnapshot, nowMs: number): Platform[] {
  return [...snapshot.platforms.values()].map((p) => (windowInForce(snapshot, p.id, nowMs) ? { ...p, status: 'maintenance' as const } : p));
}

/**
 * Maintenance that only windows set (they recorded the status to return to) ends with the last window by the
 * clock, whether or not a worker has run its flow's end; maintenance set by hand stays.
 */
function statusOutsideWindows(status: PlatformStatus, afterWindows: PlatformStatus | null): PlatformStatus {
  return status === 'maintenance' && afterWindows !== null ? afterWindows : status;
}

function grantEntry(g: Grant): GrantEntry {
  const granted: Verdict = { allowed: true, reason: 'granted', message: `granted by ${g.id}`, required_scopes: g.scopes, grant_id: g.id };
  return { id: g.id, active: g.status === 'active', expiresMs: g.expires_at === null ? null : Date.parse(g.expires_at), granted };
}

export const grantKey = (engineId: string, platform: string, actionType: string): string => `${engineId}|${platform}|${actionType}`;

/**
 * Serves the snapshot from memory and reloads it only when the policy version that the
 * database triggers bump has moved — so a change made by any process shows on the next read.
 */
export class PolicyCache {
  private snapshot: PolicySnapshot | undefined;
  private readonly state: PolicyStateRepository;
  private readonly engines: EngineRepository;
  private readonly platforms: PlatformRepository;
  private readonly grantRepo: GrantRepository;
  private readonly flagRepo: FlagRepository;
  private readonly windowRepo: MaintenanceRepository;

  constructor(
    private readonly db: Db,
    private readonly log: Pick<BaseLogger, 'debug'>,
  ) {
    this.state = new PolicyStateRepository(db);
    this.engines = new EngineRepository(db);
    this.platforms = new PlatformRepository(db);
    this.grantRepo = new GrantRepository(db);
    this.flagRepo = new FlagRepository(db);
    this.windowRepo = new MaintenanceRepository(db);
  }

  /** The snapshot as of now: one SQLite read of the version, a reload only if it moved. */
  current(): PolicySnapshot {
    const version = this.state.version();
    if (this.snapshot?.version !== version) this.snapshot = this.load();
    return this.snapshot;
  }

  /**
   * The last snapshot loaded, without touching the database: possibly stale, so only for a
   * first screen whose answer is confirmed against `current()` elsewhere.
   */
  latest(): PolicySnapshot {
    this.snapshot ??= this.load();
    return this.snapshot;
  }

  private load(): PolicySnapshot {
    // One read transaction so the version and the rows agree.
    const snapshot = this.db.transaction(() => {
      const grants = new Map<string, GrantEntry[]>();
      for (const g of [...this.grantRepo.list({ status: 'active' }), ...this.grantRepo.latestExpired()]) {
        const key = grantKey(g.engine_id, g.platform_id, g.action_type);
        grants.set(key, [...(grants.get(key) ?? []), grantEntry(g)]);
      }
      const flags = this.flagRepo.list();
      const windows = new Map<string, WindowSpan[]>();
      for (const w of this.windowRepo.open()) {
        const span = { id: w.id, startsMs: Date.parse(w.starts_at), endsMs: Date.parse(w.ends_at), ends_at: w.ends_at };
        windows.set(w.platform_id, [...(windows.get(w.platform_id) ?? []), span]);
      }
      return {
        version: this.state.version(),
        engines: new Map(
          this.engines.list().map((e) => [e.id, { id: e.id, status: e.status, key_digest: Buffer.from(e.key_hash, 'hex') }]),
        ),
        platforms: new Map(
          this.platforms
            .listWithStatusAfterWindows()
            .map(({ status_after_windows, ...p }) => [p.id, { ...p, status: statusOutsideWindows(p.status, status_after_windows) }]),
        ),
        grants,
        gates: flags.filter((f) => !f.enabled && (f.platform_id !== null || f.action_type !== null)),
        flags,
        windows,
      };
    })();
    this.log.debug(
      { version: snapshot.version, engines: snapshot.engines.size, platforms: snapshot.platforms.size },
      'policy loaded into memory',
    );
    return snapshot;
  }
}
