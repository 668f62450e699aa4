import type { Db } from '../../../core/db/database.js';
import { pagedWhere } from '../../../core/db/paging.js';
import type { Page } from '../../../core/db/paging.js';

export type EngineStatus = 'active' | 'suspended' | 'revoked';

export interface Capability {
  platform: string;
  action_type: string;
}

export interface Engine {
  id: string;
  name: string;
  description: string;
  status: EngineStatus;
  key_hash: string;
  capabilities: Capability[];
  created_at: string;
  key_rotated_at: string;
}

export interface EngineFilter extends Page {
  status?: EngineStatus;
}

type Row = Omit<Engine, 'capabilities'> & { capabilities: string };

const toEngine = (row: Row): Engine => ({ ...row, capabilities: JSON.parse(row.capabilities) as Capability[] });

export class EngineRepository {
  constructor(private readonly db: Db) {}

  insert(engine: Engine): void {
    this.db
      .prepare(
        `INSERT INTO engines (id, name, description, status, key_hash, capabilities, created_at, key_rotated_at)
         VALUES (@id, @name, @description, @status, @key_hash, @capabilities, @created_at, @key_rotated_at)`,
      )
      .run({ ...engine, capabilities: JSON.stringify(engine.capabilities) });
  }

  get(id: string): Engine | undefined {
    const row = this.db.prepare<[string], Row>('SELECT * FROM engines WHERE id = ?').get(id);
    return row && toEngine(row);
  }

  byName(name: string): Engine | undefined {
    const row = this.db.prepare<[string], Row>('SELECT * FROM engines WHERE name = ?').get(name);
    return row && toEngine(row);
  }

  /** Oldest first. */
  list(filter: EngineFilter = {}): Engine[] {
    const { sql, params } = pagedWhere('engines', 'created_at', { status: filter.status }, filter);
    return this.db.prepare<Record<string, string | number>, Row>(`SELECT * FROM engines WHERE ${sql}`).all(params).map(toEngine);
  }

  setStatus(id: string, status: EngineStatus): void {
    this.db.prepare('UPDATE engines SET status = ? WHERE id = ?').run(status, id);
  }

  setKey(id: string, keyHash: string, at: string): void {
    this.db.prepare('UPDATE engines SET key_hash = ?, key_rotated_at = ? WHERE id = ?').run(keyHash, at, id);
  }
}
