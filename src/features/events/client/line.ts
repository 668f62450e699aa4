import type { StoredEvent } from '../../../core/events/event-log.js';

/** What a terminal would act on rather than show: control characters (JSON escapes only C0), bidirectional overrides. */
const UNSAFE = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** One event as one line a person reads: time, id, type, subject, data. */
export function eventLine(e: StoredEvent): string {
  const line = `${e.at}  #${e.id}  ${e.type}  ${e.subject ?? '-'}  ${JSON.stringify(e.data)}`;
  return line.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
