import type { Static } from 'typebox';
import type { Db } from '../../../core/db/database.js';
import { pagedWhere } from '../../../core/db/paging.js';
import type { Capability, EngineListQuery, engine } from '../schemas.js';

/** An engine as stored: what the API shows of it, and the hash of its key. */
export type Engine = Required<Static<typeof engine>> & { key_hash: string };
export type EngineStatus = Engine['status'];
export type EngineFilter = Partial<EngineListQuery>;

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

  /** Every engine's name, revoked ones included: a name once taken stays taken. */
  names(): string[] {
    return this.db
      .prepare<[], { name: string }>('SELECT name FROM engines')
      .all()
      .map((r) => r.name);
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
