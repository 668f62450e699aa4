import { closeSync, fstatSync, openSync, readSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../core/db/database.js';
import { EventLog } from '../core/events/event-log.js';
import { AuditLogRepository } from './audit-log.js';
import { tryLock } from '../core/process/file-lock.js';
import { parseCanonicalJson } from './chain.js';
import type { AuditFields } from './chain.js';
import { RUN_LOCK_NAME, SEGMENT_NAME, runLockFile } from './journal.js';

/** Lines moved per transaction at most, so one round never holds the write lock for long. */
const MAX_READ_BYTES = 4 * 1024 * 1024;

export interface IngestReport {
  /** Decisions appended to the audit chain. */
  rows: number;
  /** Segments deleted because everything in them is in the chain and nobody will write to them again. */
  removed: number;
  /** Bytes of a torn last line left by a writer that died mid-write or by a failed write (its request never got a reply). */
  discardedBytes: number;
}

interface Segment {
  name: string;
  run: string;
}

function parseLine(path: string, line: string, index: number): AuditFields {
  try {
    return parseCanonicalJson(line);
  } catch (err) {
    throw new Error(
      `${path}: line ${index + 1} of the unread part is not a journal record (${(err as Error).message}); move the file aside to go on without it`,
      { cause: err },
    );
  }
}

/**
 * Whether the writer of `run` has ended: its lock is free. A run without a lock file was written before runs
 * had one; nothing can tell whether its writer still appends, so it is never judged ended (see ingest).
 */
function writerEnded(dir: string, run: string): boolean {
  const lock = tryLock(runLockFile(dir, run), { create: false });
  lock?.release();
  return lock !== undefined;
}

/**
 * Moves decision-journal lines into the hash-chained audit_log. Each segment's offset is stored in
 * the same transaction as its rows, so any number of ingesters (the API's thread, `borgctl`) can run
 * at once, and a crash anywhere neither loses nor repeats a decision.
 */
export class JournalIngester {
  private readonly audit: AuditLogRepository;
  private readonly events: EventLog;
  private readonly offsetStmt;
  private readonly saveOffsetStmt;

  constructor(
    private readonly db: Db,
    private readonly dir: string,
  ) {
    this.audit = new AuditLogRepository(db);
    this.events = new EventLog(db);
    this.offsetStmt = db.prepare<[string], number>('SELECT offset FROM journal_offsets WHERE segment = ?').pluck();
    this.saveOffsetStmt = db.prepare(
      'INSERT INTO journal_offsets (segment, offset) VALUES (?, ?) ON CONFLICT (segment) DO UPDATE SET offset = excluded.offset',
    );
  }

  /**
   * Ingests every complete line written so far, in segment order; `closedRuns` will not be written to again.
   * Segments from before runs had lock files are ingested but kept, with any torn last line, for an operator
   * to remove once no older BorgOS runs: deleting one whose writer still appends would lose what it appends.
   */
  ingest(closedRuns: readonly string[] = []): IngestReport {
    const report: IngestReport = { rows: 0, removed: 0, discardedBytes: 0 };
    const segments = this.segments();
    segments.forEach((segment, i) => {
      const next = segments[i + 1];
      // A writer only ever appends to the newest segment of its run, and to none once its lock is free.
      const finished = closedRuns.includes(segment.run) || next?.run === segment.run || writerEnded(this.dir, segment.run);
      this.ingestSegment(segment.name, finished, report);
    });
    this.removeEndedRunLocks();
    return report;
  }

  private names(): string[] {
    try {
      return readdirSync(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  private segments(names = this.names()): Segment[] {
    return names
      .map((name) => ({ name, match: SEGMENT_NAME.exec(name) }))
      .filter((s) => s.match !== null)
      .map(({ name, match }) => ({ name, run: match![1]! }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /**
   * Removes the lock file of each run that has ended and has no segment left. Only while holding its lock: a
   * writer creates the file before it locks it and its first segment after, so a file that is unlocked and has
   * no segments is a leftover or a writer still starting, and that writer sees the file gone and picks another run.
   */
  private removeEndedRunLocks(): void {
    const names = this.names();
    const runs = new Set(this.segments(names).map((s) => s.run));
    for (const name of names) {
      const run = RUN_LOCK_NAME.exec(name)?.[1];
      if (run === undefined || runs.has(run)) continue;
      const file = runLockFile(this.dir, run);
      const lock = tryLock(file, { create: false });
      if (!lock) continue;
      try {
        if (!this.segments().some((s) => s.run === run)) rmSync(file, { force: true });
      } finally {
        lock.release();
      }
    }
  }

  private ingestSegment(name: string, finished: boolean, report: IngestReport): void {
    const path = join(this.dir, name);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // another ingester finished it
      throw err;
    }
    try {
      for (;;) {
        const size = fstatSync(fd).size;
        const moved = this.db
          .transaction(() => {
            const offset = this.offsetStmt.get(name) ?? 0;
            const length = Math.min(size - offset, MAX_READ_BYTES);
            if (length <= 0) return { offset, consumed: 0 };
            const bytes = Buffer.alloc(length);
            const read = readSync(fd, bytes, 0, length, offset);
            const end = bytes.lastIndexOf(0x0a, read - 1) + 1;
            if (end === 0) return { offset, consumed: 0 };
            const lines = bytes.toString('utf8', 0, end).split('\n');
            lines.pop();
            const rows = lines.map((line, i) => parseLine(path, line, i));
            this.audit.appendMany(rows, lines);
            // Denials reach operators' streams here, where they join the audit chain: the check itself writes nothing.
            for (const row of rows) if (row.kind === 'decision' && row.allowed === 0) this.events.append(deniedEvent(row));
            this.saveOffsetStmt.run(name, offset + end);
            report.rows += lines.length;
            return { offset, consumed: end };
          })
          .immediate();
        if (moved.consumed > 0) continue;
        if (finished) {
          report.discardedBytes += size - moved.offset;
          // The offset row stays: another ingester that opened this file before it went reads it and skips.
          rmSync(path, { force: true });
          report.removed += 1;
        }
        return;
      }
    } finally {
      closeSync(fd);
    }
  }
}

function deniedEvent(row: AuditFields) {
  return {
    type: 'engine.decision_denied',
    subject: row.engine_id,
    data: { audit_id: row.id, platform: row.platform_id, action_type: row.action_type, reason: row.reason, at: row.created_at },
  };
}
