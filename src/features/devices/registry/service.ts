import { changeEntry } from '../../../audit/chain.js';
import type { Actor } from '../../../audit/chain.js';
import { AuditLogRepository } from '../../../audit/audit-log.js';
import { nowIso } from '../../../core/crypto/secrets.js';
import type { Db } from '../../../core/db/database.js';
import { DomainError } from '../../../core/errors.js';
import { EventLog } from '../../../core/events/event-log.js';
import { cursorNamesNothing } from '../../../http/schemas/page.js';
import { RefreshRepository } from '../repositories/refresh-tokens.js';
import { DeviceRepository } from '../repositories/devices.js';
import type { DeviceRow, DeviceStatus } from '../repositories/devices.js';

/** A device as operators and the device itself read it. */
export interface DeviceView {
  id: string;
  hostname: string;
  fingerprint: string;
  status: DeviceStatus;
  status_reason: string | null;
  tags: string[];
  profile: string | null;
  token_version: number;
  enrolled_at: string;
  last_seen_at: string | null;
  online: boolean;
  inventory: Record<string, unknown> | null;
}

export interface DeviceQuery {
  status?: DeviceStatus;
  tag?: string;
  profile?: string;
  online?: boolean;
  after?: string;
  limit?: number;
}

/** What a heartbeat reports; stored as the device's inventory. */
export interface Inventory {
  agent_version: string;
  os: string;
  kernel: string;
  profile: string | null;
  uptime_s: number;
  services: { name: string; state: string }[];
}

export interface Liveness {
  heartbeatIntervalS: number;
  /** Missed heartbeats after which a device counts as offline. */
  offlineAfterMissed: number;
}

const notFound = (id: string) => new DomainError('not_found', 'DEVICE_NOT_FOUND', `no device ${id}`);

/** Enrolled devices: reading them, their heartbeats, and an operator's quarantine, revoke and purge. */
export class DeviceService {
  private readonly devices: DeviceRepository;
  private readonly refresh: RefreshRepository;
  private readonly audit: AuditLogRepository;
  private readonly events: EventLog;

  constructor(
    private readonly db: Db,
    private readonly liveness: Liveness,
  ) {
    this.devices = new DeviceRepository(db);
    this.refresh = new RefreshRepository(db);
    this.audit = new AuditLogRepository(db);
    this.events = new EventLog(db);
  }

  /** Seen since this time: online. */
  private onlineSince(now = Date.now()): string {
    return new Date(now - this.liveness.heartbeatIntervalS * this.liveness.offlineAfterMissed * 1000).toISOString();
  }

  private view(row: DeviceRow, since = this.onlineSince()): DeviceView {
    return {
      id: row.id,
      hostname: row.hostname,
      fingerprint: row.fingerprint,
      status: row.status,
      status_reason: row.status_reason,
      tags: JSON.parse(row.tags) as string[],
      profile: row.profile,
      token_version: row.token_version,
      enrolled_at: row.enrolled_at,
      last_seen_at: row.last_seen_at,
      online: row.last_seen_at !== null && row.last_seen_at >= since,
      inventory: row.inventory === null ? null : (JSON.parse(row.inventory) as Record<string, unknown>),
    };
  }

  list(query: DeviceQuery): DeviceView[] {
    const since = this.onlineSince();
    if (query.after && !this.devices.get(query.after)) {
      throw cursorNamesNothing('after', 'device', query.after);
    }
    const rows = this.devices.list({
      status: query.status,
      tag: query.tag,
      profile: query.profile,
      seen: query.online === undefined ? undefined : { since, online: query.online },
      after: query.after,
      limit: query.limit ?? 1000,
    });
    return rows.map((row) => this.view(row, since));
  }

  get(id: string): DeviceView {
    const row = this.devices.get(id);
    if (!row) throw notFound(id);
    return this.view(row);
  }

  /** Records a heartbeat: the device is online, and this is what it runs. Announces device.online if it was not. */
  heartbeat(id: string, inventory: Inventory): void {
    this.db
      .transaction(() => {
        const now = nowIso();
        this.devices.seen(id, now, JSON.stringify(inventory));
        const came = this.devices.cameOnline(id, now);
        if (came) this.events.append({ type: 'device.online', subject: id, data: { hostname: came.hostname } });
      })
      .immediate();
  }

  /** Announces device.offline for each device that has missed its heartbeats since it was announced online. */
  sweepOffline(): void {
    this.db
      .transaction(() => {
        for (const gone of this.devices.wentOffline(this.onlineSince())) {
          this.events.append({
            type: 'device.offline',
            subject: gone.id,
            data: { hostname: gone.hostname, last_seen_at: gone.last_seen_at },
          });
        }
      })
      .immediate();
  }

  /**
   * Every token the device holds is refused from its next call (its token version moves on), and it gets no new
   * ones while quarantined. Its refresh token family is kept: lifting the quarantine lets it refresh again.
   */
  quarantine(by: Actor, id: string, reason: string | undefined): DeviceView {
    return this.transition(by, id, 'quarantined', reason ?? null, (row) => {
      if (row.status === 'revoked') throw new DomainError('conflict', 'DEVICE_REVOKED', `device ${id} is revoked; purge it instead`);
      return row.status === 'active';
    });
  }

  /** Lets a quarantined device refresh again; tokens from before the quarantine stay dead. */
  unquarantine(by: Actor, id: string): DeviceView {
    return this.transition(by, id, 'active', null, (row) => {
      if (row.status !== 'quarantined') {
        throw new DomainError('conflict', 'DEVICE_NOT_QUARANTINED', `device ${id} is ${row.status}, not quarantined`);
      }
      return true;
    });
  }

  /** For good: every token dies, every refresh family is revoked, and the key cannot enroll again until the device is purged. */
  revoke(by: Actor, id: string, reason: string | undefined): DeviceView {
    return this.transition(by, id, 'revoked', reason ?? null, (row) => row.status !== 'revoked');
  }

  /** Removes the device and all its credentials; its key may enroll again as a new device. */
  purge(by: Actor, id: string): void {
    this.db
      .transaction(() => {
        const row = this.devices.get(id);
        if (!row) throw notFound(id);
        this.devices.delete(id);
        this.audit.append(changeEntry(by, 'device.purged', { device_id: id, fingerprint: row.fingerprint, hostname: row.hostname }));
      })
      .immediate();
  }

  /** Moves a device to `status` when `allowed` says the move changes something; a repeat of a move already made changes nothing. */
  private transition(by: Actor, id: string, status: DeviceStatus, reason: string | null, allowed: (row: DeviceRow) => boolean): DeviceView {
    this.db
      .transaction(() => {
        const row = this.devices.get(id);
        if (!row) throw notFound(id);
        if (!allowed(row)) return;
        const now = nowIso();
        const bump = status !== 'active';
        this.devices.setStatus(id, status, reason, now, bump);
        const action = { quarantined: 'device.quarantined', active: 'device.unquarantined', revoked: 'device.revoked' }[status];
        this.audit.append(changeEntry(by, action, { device_id: id, reason, token_version: row.token_version + (bump ? 1 : 0) }));
        if (status === 'revoked') {
          for (const familyId of this.refresh.revokeDeviceFamilies(id, 'device revoked', now)) {
            this.audit.append(changeEntry(by, 'token_family.revoked', { family_id: familyId, device_id: id, reason: 'device revoked' }));
          }
        }
      })
      .immediate();
    return this.get(id);
  }
}
