import { randomUUID } from 'node:crypto';
import type { Db } from './database.js';

/** Key/value facts about this installation. */
export class MetaRepository {
  private readonly getStmt;
  private readonly insertStmt;
  private readonly versionStmt;
  private mintedId: string | undefined;

  constructor(db: Db) {
    this.getStmt = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
    this.insertStmt = db.prepare<[string, string]>('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING');
    this.versionStmt = db.prepare<[], { version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
  }

  get(key: string): string | undefined {
    return this.getStmt.get(key)?.value;
  }

  /** The value of `key`, made by `make` and kept on first use; of two processes racing, the first write wins for both. */
  getOrCreate(key: string, make: () => string): string {
    this.insertStmt.run(key, make());
    return this.get(key)!;
  }

  schemaVersion(): number {
    return this.versionStmt.get()?.version ?? 0;
  }

  /** The id minted on first use; stable for the life of the database, so it is written once and then remembered. */
  instanceId(): string {
    if (this.mintedId === undefined) {
      this.insertStmt.run('instance_id', randomUUID());
      this.mintedId = this.get('instance_id')!;
    }
    return this.mintedId;
  }
}
