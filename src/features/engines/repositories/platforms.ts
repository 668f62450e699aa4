import type { Static } from 'typebox';
import type { Db } from '../../../core/db/database.js';
import type { platform } from '../schemas.js';

export type Platform = Required<Static<typeof platform>>;
export type PlatformStatus = Platform['status'];

/** A platform with where it returns to when its last maintenance window ends (null while no window is in force). */
export interface PlatformWithWindows extends Platform {
  status_after_windows: PlatformStatus | null;
}

const COLUMNS = 'id, name, status, version, updated_at';

export class PlatformRepository {
  constructor(private readonly db: Db) {}

  upsert(p: Platform): void {
    this.db
      .prepare(
        `INSERT INTO platforms (id, name, status, version, updated_at) VALUES (@id, @name, @status, @version, @updated_at)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, status = excluded.status, version = excluded.version, updated_at = excluded.updated_at`,
      )
      .run(p);
  }

  get(id: string): Platform | undefined {
    return this.db.prepare<[string], Platform>(`SELECT ${COLUMNS} FROM platforms WHERE id = ?`).get(id);
  }

  /** In order of id. */
  listWithStatusAfterWindows(): PlatformWithWindows[] {
    return this.db.prepare<[], PlatformWithWindows>(`SELECT ${COLUMNS}, status_after_windows FROM platforms ORDER BY id`).all();
  }

  setStatus(id: string, status: PlatformStatus, at: string): void {
    this.db.prepare('UPDATE platforms SET status = ?, updated_at = ? WHERE id = ?').run(status, at, id);
  }

  /** Where the platform goes when its last maintenance window ends; null while no window is in force. */
  statusAfterWindows(id: string): PlatformStatus | null {
    return (
      this.db.prepare<[string], PlatformStatus | null>('SELECT status_after_windows FROM platforms WHERE id = ?').pluck().get(id) ?? null
    );
  }

  setStatusAfterWindows(id: string, status: PlatformStatus | null): void {
    this.db.prepare('UPDATE platforms SET status_after_windows = ? WHERE id = ?').run(status, id);
  }
}
