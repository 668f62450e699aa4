import type { Db } from '../database.js';

export type WindowStatus = 'scheduled' | 'active' | 'completed' | 'cancelled';

export interface MaintenanceWindow {
  id: string;
  platform_id: string;
  starts_at: string;
  ends_at: string;
  status: WindowStatus;
  workflow_id: string;
  created_at: string;
}

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

  list(platformId?: string): MaintenanceWindow[] {
    return platformId
      ? this.db.prepare<[string], MaintenanceWindow>('SELECT * FROM maintenance_windows WHERE platform_id = ? ORDER BY starts_at').all(platformId)
      : this.db.prepare<[], MaintenanceWindow>('SELECT * FROM maintenance_windows ORDER BY starts_at').all();
  }

  setStatus(id: string, status: WindowStatus): void {
    this.db.prepare('UPDATE maintenance_windows SET status = ? WHERE id = ?').run(status, id);
  }
}
