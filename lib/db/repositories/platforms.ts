import type { Db } from '../database.js';

export type PlatformStatus = 'active' | 'maintenance' | 'disabled';

export interface Platform {
  id: string;
  name: string;
  status: PlatformStatus;
  version: string;
  updated_at: string;
}

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
    return this.db.prepare<[string], Platform>('SELECT * FROM platforms WHERE id = ?').get(id);
  }

  list(): Platform[] {
    return this.db.prepare<[], Platform>('SELECT * FROM platforms ORDER BY id').all();
  }

  setStatus(id: string, status: PlatformStatus, at: string): void {
    this.db.prepare('UPDATE platforms SET status = ?, updated_at = ? WHERE id = ?').run(status, at, id);
  }
}
