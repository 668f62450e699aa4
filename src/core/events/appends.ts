import type { Db } from '../db/database.js';

/** Listeners per database file, so an append on any connection of this process to that file wakes them. */
const listeners = new Map<string, Set<() => void>>();
const pending = new Set<string>();

/**
 * Calls `listener` soon after events were appended in this process to `db`'s file (other processes' appends are
 * only seen by reading the table). Returns the function that stops it.
 */
export function watchAppends(db: Db, listener: () => void): () => void {
  let set = listeners.get(db.name);
  if (!set) listeners.set(db.name, (set = new Set()));
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0) listeners.delete(db.name);
  };
}

/**
 * Tells the listeners of `db`'s file that events were appended. Deferred: an append inside a transaction is
 * visible only once that transaction is over, which a synchronous transaction always is by the next turn.
 * Many appends in one turn make one call.
 */
export function announceAppends(db: Db): void {
  if (!listeners.has(db.name) || pending.has(db.name)) return;
  pending.add(db.name);
  setImmediate(() => {
    pending.delete(db.name);
    for (const listener of listeners.get(db.name) ?? []) listener();
  });
}
