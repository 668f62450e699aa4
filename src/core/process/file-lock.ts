import Database from 'better-sqlite3';

/** Held until `release()`, or until the process ends however it ends: the kernel drops the lock with the process. */
export interface FileLock {
  release(): void;
}

/**
 * Takes an exclusive lock on `file`, or returns undefined at once when another holder has it (or, with
 * `create: false`, when the file is missing). Node has no flock; SQLite's exclusive locking mode keeps the fcntl
 * lock of its first write transaction for as long as the connection stays open, which is exactly a lock that a
 * SIGKILL cannot leave behind. SQLite also tracks its locks per process, so a holder in another thread of this
 * process counts as another holder.
 */
export function tryLock(file: string, { create = true } = {}): FileLock | undefined {
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: 0, fileMustExist: !create });
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_CANTOPEN' && !create) return undefined;
    throw err;
  }
  try {
    // Nothing is stored in it, so no rollback journal: a holder killed mid-hold would leave `<file>-journal` behind.
    db.pragma('journal_mode = MEMORY');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return undefined;
    throw err;
  }
  return {
    release: () => {
      if (db.open) db.close();
    },
  };
}
