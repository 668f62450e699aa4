import { closeSync, fstatSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tryLock } from '../core/process/file-lock.js';
import type { FileLock } from '../core/process/file-lock.js';

/** The decision journal of a database: a directory beside its file. */
export function journalDir(dbFile: string): string {
  return join(dirname(dbFile), 'journal');
}

/** `<pid>-<start ms>-<n>.jsonl`: who writes it, which run, which segment of that run. */
export const SEGMENT_NAME = /^(\d+-\d+)-(\d{6})\.jsonl$/;

/** `<pid>-<start ms>.lock`: held by the run for as long as it may append (see runLockFile). */
export const RUN_LOCK_NAME = /^(\d+-\d+)\.lock$/;

/**
 * The file a run holds locked while it may append to its segments. A pid says nothing about liveness to a
 * reader in another pid namespace (another container on the data volume), but the kernel drops the lock
 * when the writer ends, however it ends, and every process on the host sees it.
 */
export function runLockFile(dir: string, run: string): string {
  return join(dir, `${run}.lock`);
}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

/**
 * Makes `<run>.lock` this process's own and locks it, or returns undefined to try another run name. The
 * exclusive create keeps two writers off one name (pid 1 in two containers); the inode check catches an
 * ingester that removed the file as a leftover before the lock was taken (see JournalIngester).
 */
function claimRun(dir: string, run: string): FileLock | undefined {
  const file = runLockFile(dir, run);
  let ino: number;
  try {
    const fd = openSync(file, 'wx');
    ino = fstatSync(fd).ino;
    // Closed before locking: closing any descriptor of a file drops the process's fcntl locks on it.
    closeSync(fd);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw err;
  }
  const lock = tryLock(file, { create: false });
  if (lock && statSync(file, { throwIfNoEntry: false })?.ino !== ino) {
    lock.release();
    return undefined;
  }
  return lock;
}

/** `<pid>-<start ms>`, the first start from now on whose name nobody has. */
function claimNewRun(dir: string): { run: string; lock: FileLock } {
  for (let start = Date.now(); ; start = Math.max(Date.now(), start + 1)) {
    const run = `${process.pid}-${start}`;
    const lock = claimRun(dir, run);
    if (lock) return { run, lock };
  }
}

/**
 * The write-ahead of the decision log. A batch of decisions becomes lines appended with one write
 * (a SQLite commit costs far more than the rest of a check), and each reply waits for that write:
 * once it returns, the decision survives a crash of this process. A background thread moves the
 * lines into the hash-chained audit_log (see JournalIngester) within moments.
 */
export class DecisionJournal {
  /** `<pid>-<start ms>`: the prefix of this journal's segments. */
  readonly run: string;
  private readonly lock: FileLock;
  private segment = 0;
  private fd = -1;
  private size = 0;

  constructor(
    private readonly dir: string,
    private readonly segmentBytes = DEFAULT_SEGMENT_BYTES,
  ) {
    mkdirSync(dir, { recursive: true });
    ({ run: this.run, lock: this.lock } = claimNewRun(dir));
    this.openNextSegment();
  }

  /**
   * Appends the lines (each a row's canonicalJson) in order with one write, or throws. A failed write (disk full) may have left part of the
   * batch, which an ingester may already have read, so it is never cut off: the segment is abandoned and the
   * next append goes to a new one. The ingester then takes the complete lines of the part and drops the torn rest.
   */
  append(lines: string[]): void {
    if (lines.length === 0) return;
    // Opened here when a failed write abandoned the last one, so a failure to open one fails an append too.
    if (this.fd < 0) this.openNextSegment();
    const bytes = Buffer.from(`${lines.join('\n')}\n`);
    try {
      for (let done = 0; done < bytes.length;) done += writeSync(this.fd, bytes, done);
    } catch (err) {
      this.closeSegment();
      throw err;
    }
    this.size += bytes.length;
    if (this.size >= this.segmentBytes) {
      this.closeSegment();
      this.openNextSegment();
    }
  }

  /** Ends the run: after this an ingester may finish its segments. */
  close(): void {
    this.closeSegment();
    this.lock.release();
  }

  private closeSegment(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private openNextSegment(): void {
    this.segment += 1;
    this.fd = openSync(join(this.dir, `${this.run}-${String(this.segment).padStart(6, '0')}.jsonl`), 'a');
    this.size = 0;
  }
}
