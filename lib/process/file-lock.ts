import Database from 'better-sqlite3';

/** Held until `release()`, or until the process ends however it ends: the kernel drops the lock with the process. */
export interface FileLock {
  release(): void;
}

/**
 * Takes an exclusive lock on `file` (created if missing), or returns undefined at once when another process holds
 * it. Node has no flock; SQLite's exclusive locking mode keeps the fcntl lock of its first write transaction for
 * as long as the connection stays open, which is exactly a lock that a SIGKILL cannot leave behind.
 */
export function tryLock(file: string): FileLock | undefined {
  const db = new Database(file, { timeout: 0 });
  try {
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
