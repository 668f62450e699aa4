import type { Statement } from 'better-sqlite3';
import type { Db } from '../../../core/db/database.js';

export type DeviceStatus = 'active' | 'quarantined' | 'revoked';

export interface DeviceRow {
  id: string;
  fingerprint: string;
  public_key: string;
  jkt: string;
  hostname: string;
  /** JSON array. */
  tags: string;
  profile: string | null;
  status: DeviceStatus;
  token_version: number;
  enrollment_reference: string;
  enrolled_at: string;
  status_changed_at: string;
  status_reason: string | null;
  last_seen_at: string | null;
  /** JSON of the last heartbeat's inventory. */
  inventory: string | null;
}

/** What authenticating a device call reads: one indexed row. */
export type DeviceAuthRow = Pick<DeviceRow, 'id' | 'status' | 'token_version' | 'jkt'>;

export interface DeviceFilter {
  status?: DeviceStatus;
  tag?: string;
  profile?: string;
  /** Seen at or after this time (online), or not (offline). */
  seen?: { since: string; online: boolean };
  after?: string;
  limit: number;
}

/** A device whose offline transition this caller announces. */
export type OfflineRow = Pick<DeviceRow, 'id' | 'hostname' | 'last_seen_at'>;

/** The only SQL on `devices`. */
export class DeviceRepository {
  private readonly getStmt: Statement<[string], DeviceRow>;
  private readonly authStmt: Statement<[string], DeviceAuthRow>;
  private readonly seenStmt: Statement<{ id: string; now: string; inventory: string }>;
  private readonly onlineStmt: Statement<{ id: string; now: string }, Pick<DeviceRow, 'hostname'>>;
  private readonly offlineStmt: Statement<{ since: string }, OfflineRow>;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare('SELECT * FROM devices WHERE id = ?');
    this.authStmt = db.prepare('SELECT id, status, token_version, jkt FROM devices WHERE id = ?');
    this.seenStmt = db.prepare('UPDATE devices SET last_seen_at = @now, inventory = @inventory WHERE id = @id');
    // Conditional on the flag, so of two replicas seeing one transition exactly one changes the row and announces it.
    this.onlineStmt = db.prepare('UPDATE devices SET online_since = @now WHERE id = @id AND online_since IS NULL RETURNING hostname');
    this.offlineStmt = db.prepare(
      'UPDATE devices SET online_since = NULL WHERE online_since IS NOT NULL AND last_seen_at < @since RETURNING id, hostname, last_seen_at',
    );
  }

  insert(row: DeviceRow): void {
    this.db
      .prepare(
        `INSERT INTO devices (id, fingerprint, public_key, jkt, hostname, tags, profile, status, token_version, enrollment_reference,
           enrolled_at, status_changed_at, status_reason, last_seen_at, inventory)
         VALUES (@id, @fingerprint, @public_key, @jkt, @hostname, @tags, @profile, @status, @token_version, @enrollment_reference,
           @enrolled_at, @status_changed_at, @status_reason, @last_seen_at, @inventory)`,
      )
      .run(row);
  }

  get(id: string): DeviceRow | undefined {
    return this.getStmt.get(id);
  }

  authRow(id: string): DeviceAuthRow | undefined {
    return this.authStmt.get(id);
  }

  byFingerprint(fingerprint: string): DeviceRow | undefined {
    return this.db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE fingerprint = ?').get(fingerprint);
  }

  byHostname(hostname: string): DeviceRow | undefined {
    return this.db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE hostname = ?').get(hostname);
  }

  /** Oldest enrollment first; `after` is the id of the last device of the previous page. */
  list(filter: DeviceFilter): DeviceRow[] {
    const where = ['1 = 1'];
    const params: Record<string, string | number> = { limit: filter.limit };
    if (filter.status) {
      where.push('status = @status');
      params.status = filter.status;
    }
    if (filter.tag) {
      where.push('EXISTS (SELECT 1 FROM json_each(devices.tags) WHERE value = @tag)');
      params.tag = filter.tag;
    }
    if (filter.profile) {
      where.push('profile = @profile');
      params.profile = filter.profile;
    }
    if (filter.seen) {
      where.push(filter.seen.online ? 'last_seen_at >= @since' : '(last_seen_at IS NULL OR last_seen_at < @since)');
      params.since = filter.seen.since;
    }
    if (filter.after) {
      where.push('(enrolled_at, id) > (SELECT enrolled_at, id FROM devices WHERE id = @after)');
      params.after = filter.after;
    }
    return this.db
      .prepare<Record<string, string | number>, DeviceRow>(
        `SELECT * FROM devices WHERE ${where.join(' AND ')} ORDER BY enrolled_at, id LIMIT @limit`,
      )
      .all(params);
  }

  /** Moves a device to `status`; `bump` raises its token version, so every token it holds dies. False if no such device. */
  setStatus(id: string, status: DeviceStatus, reason: string | null, now: string, bump: boolean): boolean {
    return (
      this.db
        .prepare(
          `UPDATE devices SET status = @status, status_reason = @reason, status_changed_at = @now,
             token_version = token_version + @bump WHERE id = @id`,
        )
        .run({ id, status, reason, now, bump: bump ? 1 : 0 }).changes === 1
    );
  }

  seen(id: string, now: string, inventory: string): void {
    this.seenStmt.run({ id, now, inventory });
  }

  /** Flags the device online; its hostname if it was not flagged before, which makes this caller the announcer. */
  cameOnline(id: string, now: string): Pick<DeviceRow, 'hostname'> | undefined {
    return this.onlineStmt.get({ id, now });
  }

  /** Unflags every device flagged online whose last heartbeat is older than `since`, and returns them. */
  wentOffline(since: string): OfflineRow[] {
    return this.offlineStmt.all({ since });
  }

  /** Deletes the device; its refresh token families go with it (ON DELETE CASCADE). */
  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM devices WHERE id = ?').run(id).changes === 1;
  }
}
