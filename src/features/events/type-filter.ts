import { invalidFields } from '../../core/errors.js';
import { EVENT_TYPES, isEventType } from '../../core/events/types.js';

const known = Object.keys(EVENT_TYPES);

/** `run.*` stands for every type under `run.`; it must stand for at least one. */
const isKnown = (name: string): boolean =>
  name.endsWith('.*') ? known.some((type) => type.startsWith(name.slice(0, -1))) : isEventType(name);

/** The `types` query as EventLog filters by it; a 400 naming each type that will never come. */
export function parseTypeFilter(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const names = [...new Set(raw.split(',').map((name) => name.trim()))].filter(Boolean);
  if (names.length === 0) throw invalidFields([{ field: 'querystring.types', message: 'names no event type' }]);
  const unknown = names.filter((name) => !isKnown(name));
  if (unknown.length > 0) {
    throw invalidFields(
      [{ field: 'querystring.types', message: `names unknown event types: ${unknown.join(', ')}` }],
      `the types are ${known.join(', ')}, or a prefix such as run.*`,
    );
  }
  return names;
}
