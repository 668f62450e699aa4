import type { Db } from '../database.js';

/** A counter that triggers bump on every change to engines, platforms, grants and flags. */
export class PolicyStateRepository {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = db.prepare<[], { version: number }>('SELECT version FROM policy_state WHERE id = 1');
  }

  version(): number {
    return this.stmt.get()!.version;
  }
}
