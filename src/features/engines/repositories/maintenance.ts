import type { Static } from 'typebox';
import type { Db } from '../../../core/db/database.js';
import { pagedWhere } from '../../../core/db/paging.js';
import type { maintenanceWindow, WindowListQuery } from '../schemas.js';

export type MaintenanceWindow = Required<Static<typeof maintenanceWindow>>;
export type WindowStatus = MaintenanceWindow['status'];
export type WindowFilter = Partial<WindowListQuery>;

export class MaintenanceRepository {
  constructor(private readonly db: Db) {}

  insert(w: MaintenanceWindow): void {
    this.db
      .prepare(
        'INSERT INTO maintenance_windows (id, platform_id, starts_at, ends_at, status, workflow_id, created_at) VALUES (@id, @platform_id, @starts_at, @ends_at, @status, @workflow_id, @created_at)',
      )
      .run(w);
  }

  get(id: string): MaintenanceWindow | undefined {
    return this.db.prepare<[string], MaintenanceWindow>('SELECT * FROM maintenance_windows WHERE id = ?').get(id);
  }

  /** In order of start. */
  list(filter: WindowFilter = {}): MaintenanceWindow[] {
    const { sql, params } = pagedWhere('maintenance_windows', 'starts_at', { platform_id: filter.platform, status: filter.status }, filter);
    return this.db
      .prepare<Record<string, string | number>, MaintenanceWindow>(`SELECT * FROM maintenance_windows WHERE ${sql}`)
      .all(params);
  }

  /** Windows not yet over, whatever their flows have done: what a check reads. */
  open(): MaintenanceWindow[] {
    return this.db.prepare<[], MaintenanceWindow>("SELECT * FROM maintenance_windows WHERE status IN ('scheduled', 'active')").all();
  }

  setStatus(id: string, status: WindowStatus): void {
    this.db.prepare('UPDATE maintenance_windows SET status = ? WHERE id = ?').run(status, id);
  }
}
