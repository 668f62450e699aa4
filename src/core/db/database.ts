import Database from 'better-sqlite3';

export type Db = Database.Database;

/** Opens the SQLite file with the settings every BorgOS process relies on. */
export function openDatabase(file: string): Db {
  const db = new Database(file);
  // WAL lets the API read while the worker writes; NORMAL is durable across app crashes in WAL mode.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}

/** Checkpoints the WAL into the main file so a copied database is whole, then closes. */
export function closeDatabase(db: Db): void {
  if (!db.open) return;
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}
