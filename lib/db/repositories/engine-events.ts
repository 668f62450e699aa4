import type { Db } from '../database.js';

export interface EngineEvent {
  id: string;
  engine_id: string;
  type: string;
  level: string;
  message: string;
  data: Record<string, unknown>;
  request_id: string | null;
  created_at: string;
}

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

  list(engineId: string | undefined, limit: number): EngineEvent[] {
    const rows = engineId
      ? this.db.prepare<[string, number], Row>('SELECT * FROM engine_events WHERE engine_id = ? ORDER BY created_at DESC LIMIT ?').all(engineId, limit)
      : this.db.prepare<[number], Row>('SELECT * FROM engine_events ORDER BY created_at DESC LIMIT ?').all(limit);
    return rows.map((r) => ({ ...r, data: JSON.parse(r.data) as Record<string, unknown> }));
  }
}
