import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/database.js';
import { announceAppends } from './appends.js';
import { isEventType } from './types.js';

export interface EventInput {
  /** A dotted name from EVENT_TYPES. */
  type: string;
  /** The id the event is about: a device id, an enrollment reference, a job or run id. */
  subject?: string | null;
  data: Record<string, unknown>;
}

export interface StoredEvent {
  id: number;
  type: string;
  subject: string | null;
  data: Record<string, unknown>;
  /** When it was appended, ISO 8601 in UTC. */
  at: string;
}

export interface EventQuery {
  /** Exact type names, or prefixes written `run.*`; absent: every type. */
  types?: string[];
  limit: number;
  /** Up to and including this id: what a reader knows to be committed. Absent: whatever is there. */
  through?: number;
}

interface EventRow {
  id: number;
  type: string;
  subject: string | null;
  data: string;
  at: string;
}

interface AfterParams {
  after: number;
  through: number;
  limit: number;
  filtered: number;
  exact: string;
  prefixes: string;
}

/**
 * The persisted event log that operators' streams read. Appends are synchronous and join the caller's
 * transaction, so an event commits with the change it announces, or not at all. Ids grow in commit order
 * (SQLite has one writer at a time), so every reader sees a gapless prefix and may resume after any id it saw.
 */
export class EventLog {
  private readonly insertStmt: Statement<{ type: string; subject: string | null; data: string; at: string }>;
  private readonly afterStmt: Statement<AfterParams, EventRow>;
  private readonly headStmt: Statement<[], number | null>;
  private readonly pruneStmt: Statement<{ cutoff: string; batch: number }>;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare('INSERT INTO events (type, subject, data, at) VALUES (@type, @subject, @data, @at)');
    this.afterStmt = db.prepare(
      `SELECT id, type, subject, data, at FROM events
       WHERE id > @after AND id <= @through
         AND (@filtered = 0
           OR type IN (SELECT value FROM json_each(@exact))
           OR EXISTS (SELECT 1 FROM json_each(@prefixes) AS p WHERE substr(events.type, 1, length(p.value)) = p.value))
       ORDER BY id LIMIT @limit`,
    );
    this.headStmt = db.prepare<[], number | null>('SELECT max(id) FROM events').pluck();
    // The oldest rows first, and only those past the cutoff among them: a short statement each time, without an
    // index on `at`, which ids follow but for clock skew between processes.
    this.pruneStmt = db.prepare('DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT @batch) AND at < @cutoff');
  }

  /** Appends an event and returns its id. Inside the caller's transaction it commits or rolls back with it. */
  append(event: EventInput): number {
    if (!isEventType(event.type)) throw new Error(`unknown event type "${event.type}": add it to EVENT_TYPES (src/core/events/types.ts)`);
    const { lastInsertRowid } = this.insertStmt.run({
      type: event.type,
      subject: event.subject ?? null,
      data: JSON.stringify(event.data),
      at: new Date().toISOString(),
    });
    announceAppends(this.db);
    return Number(lastInsertRowid);
  }

  /** Events after `id`, oldest first, at most `limit`, of the given types. */
  after(id: number, options: EventQuery): StoredEvent[] {
    const types = options.types ?? [];
    const prefixes = types.filter((t) => t.endsWith('.*')).map((t) => t.slice(0, -1));
    return this.afterStmt
      .all({
        after: id,
        through: options.through ?? Number.MAX_SAFE_INTEGER,
        limit: options.limit,
        filtered: options.types ? 1 : 0,
        exact: JSON.stringify(types.filter((t) => !t.endsWith('.*'))),
        prefixes: JSON.stringify(prefixes),
      })
      .map((row) => ({ ...row, data: JSON.parse(row.data) as Record<string, unknown> }));
  }

  /** The id of the newest event, 0 if there is none: every event up to it has committed. */
  head(): number {
    return this.headStmt.get() ?? 0;
  }

  /** Deletes up to `batch` of the oldest events appended before `cutoff` (ISO); returns how many. */
  prune(cutoff: string, batch: number): number {
    return this.pruneStmt.run({ cutoff, batch }).changes;
  }
}
