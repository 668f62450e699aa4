import { newId, nowIso } from '../../../core/crypto/secrets.js';
import type { Db } from '../../../core/db/database.js';
import { invalidFields } from '../../../core/errors.js';
import type { FieldProblem } from '../../../core/errors.js';
import { cursorNamesNothing } from '../../../http/schemas/page.js';
import { EngineEventRepository } from '../repositories/engine-events.js';
import type { EngineEvent } from '../repositories/engine-events.js';
import type { EngineEventBody, EventListQuery } from '../schemas.js';

// Storing data runs JSON.stringify, which recurses: data nested thousands deep overflowed the stack (a 500).
export const MAX_DATA_DEPTH = 100;
const NOT_FINITE = `must be a finite number: beyond ±${Number.MAX_VALUE} a JSON number reads as infinite, which cannot be stored`;

interface Node {
  value: unknown;
  /** data itself is level 1. */
  depth: number;
  key?: string;
  parent?: Node;
}

/** Built only for the one value refused: building every value's path costs the key lengths times the values below them. */
function pathOf(node: Node): string {
  const keys: string[] = [];
  for (let n: Node | undefined = node; n?.key !== undefined; n = n.parent) keys.push(n.key);
  return ['body.data', ...keys.reverse()].join('.');
}

/** The first value in `data`, in document order, that would not be stored as sent; walked without recursion, so it cannot overflow. */
function dataProblem(data: unknown): FieldProblem | undefined {
  const pending: Node[] = [{ value: data, depth: 1 }];
  for (let node = pending.pop(); node; node = pending.pop()) {
    const { value, depth } = node;
    // JSON.parse reads 1e400 as Infinity, and JSON.stringify writes that as null.
    if (typeof value === 'number' && !Number.isFinite(value)) return { field: pathOf(node), message: NOT_FINITE };
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_DATA_DEPTH)
      return { field: 'body.data', message: `must not nest objects and arrays more than ${MAX_DATA_DEPTH} levels deep` };
    const entries = Object.entries(value);
    for (let i = entries.length - 1; i >= 0; i--)
      pending.push({ value: entries[i]![1], depth: depth + 1, key: entries[i]![0], parent: node });
  }
  return undefined;
}

/** Events engines send for central collection. */
export class EventService {
  private readonly events: EngineEventRepository;

  constructor(db: Db) {
    this.events = new EngineEventRepository(db);
  }

  /** Refuses, naming the value, data that would not be stored as sent. */
  record(engineId: string, body: EngineEventBody, requestId: string): EngineEvent {
    const problem = dataProblem(body.data);
    if (problem) throw invalidFields([problem]);
    const event: EngineEvent = { engine_id: engineId, ...body, request_id: requestId, id: newId('evt'), created_at: nowIso() };
    this.events.insert(event);
    return event;
  }

  /** Newest first. */
  list(query: EventListQuery): EngineEvent[] {
    // An empty cursor is no cursor, as an empty `after` is on the other lists.
    if (query.before && !this.events.has(query.before)) throw cursorNamesNothing('before', 'event', query.before);
    return this.events.list(query, query.limit);
  }
}
