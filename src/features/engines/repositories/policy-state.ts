import type { Db } from '../../../core/db/database.js';

/** A counter that triggers bump on every change to engines, platforms, grants and flags. */
export class PolicyStateRepository {
  private readonly stmt;

  constructor(db: Db) {
    // Read on every check: pluck returns the bare number, no row object to allocate.
    this.stmt = db.prepare<[], number>('SELECT version FROM policy_state WHERE id = 1').pluck();
  }

  version(): number {
    return this.stmt.get()!;
  }
}
