import type { Static } from 'typebox';
import type { Db } from '../../../core/db/database.js';
import type { engineEvent } from '../schemas.js';

export type EngineEvent = Required<Static<typeof engineEvent>>;

type Row = Omit<EngineEvent, 'data'> & { data: string };

export class EngineEventRepository {
  constructor(private readonly db: Db) {}

  insert(e: EngineEvent): void {
    this.db
      .prepare(
        'INSERT INTO engine_events (id, engine_id, type, level, message, data, request_id, created_at) VALUES (@id, @engine_id, @type, @level, @message, @data, @request_id, @created_at)',
      )
      .run({ ...e, data: JSON.stringify(e.data) });
  }

  has(id: string): boolean {
    return this.db.prepare<[string], number>('SELECT 1 FROM engine_events WHERE id = ?').pluck().get(id) !== undefined;
  }

  /** Newest first; `before`, an event id, pages back to the events older than it (ties in time broken by id). */
  list(filter: { engine_id?: string; before?: string }, limit: number): EngineEvent[] {
    const where = ['1 = 1'];
    if (filter.engine_id) where.push('engine_id = @engine_id');
    if (filter.before) where.push('(created_at, id) < (SELECT created_at, id FROM engine_events WHERE id = @before)');
    const rows = this.db
      .prepare<Record<string, unknown>, Row>(
        `SELECT * FROM engine_events WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT @limit`,
      )
      .all({ engine_id: filter.engine_id ?? null, before: filter.before ?? null, limit });
    return rows.map((r) => ({ ...r, data: JSON.parse(r.data) as Record<string, unknown> }));
  }
}
