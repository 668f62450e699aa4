import { closeSync, fstatSync, openSync, readSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/database.js';
import { AuditLogRepository } from '../db/repositories/audit-log.js';
import { parseCanonicalJson } from './chain.js';
import type { AuditFields } from './chain.js';
import { SEGMENT_NAME } from './journal.js';

/** Lines moved per transaction at most, so one round never holds the write lock for long. */
const MAX_READ_BYTES = 4 * 1024 * 1024;

export interface IngestReport {
  /** Decisions appended to the audit chain. */
  rows: number;
  /** Segments deleted because everything in them is in the chain and nobody will write to them again. */
  removed: number;
  /** Bytes of a torn last line left by a writer that died mid-write (its request never got a reply). */
  discardedBytes: number;
}

function parseLine(path: string, line: string, index: number): AuditFields {
  try {
    return parseCanonicalJson(line);
  } catch (err) {
    throw new Error(`${path}: line ${index + 1} of the unread part is not a journal record (${(err as Error).message}); move the file aside to go on without it`, { cause: err });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves decision-journal lines into the hash-chained audit_log. Each segment's offset is stored in
 * the same transaction as its rows, so any number of ingesters (the API's thread, `borgctl`) can run
 * at once, and a crash anywhere neither loses nor repeats a decision.
 */
export class JournalIngester {
  private readonly audit: AuditLogRepository;
  private readonly offsetStmt;
  private readonly saveOffsetStmt;

  constructor(
    private readonly db: Db,
    private readonly dir: string,
  ) {
    this.audit = new AuditLogRepository(db);
    this.offsetStmt = db.prepare<[string], number>('SELECT offset FROM journal_offsets WHERE segment = ?').pluck();
    this.saveOffsetStmt = db.prepare('INSERT INTO journal_offsets (segment, offset) VALUES (?, ?) ON CONFLICT (segment) DO UPDATE SET offset = excluded.offset');
  }

  /** Ingests every complete line written so far, in segment order; `closedRuns` will not be written to again. */
  ingest(closedRuns: readonly string[] = []): IngestReport {
    const report: IngestReport = { rows: 0, removed: 0, discardedBytes: 0 };
    const segments = this.segments();
    segments.forEach((segment, i) => {
      const next = segments[i + 1];
      // A writer only ever appends to the newest segment of its run; a dead writer appends to none.
      const finished = closedRuns.includes(segment.run) || !isAlive(segment.pid) || (next !== undefined && next.run === segment.run);
      this.ingestSegment(segment.name, finished, report);
    });
    return report;
  }

  private segments(): { name: string; run: string; pid: number }[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names
      .map((name) => ({ name, match: SEGMENT_NAME.exec(name) }))
      .filter((s) => s.match !== null)
      .map(({ name, match }) => ({ name, run: `${match![1]}-${match![2]}`, pid: Number(match![1]) }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
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
        const moved = this.db.transaction(() => {
          const offset = this.offsetStmt.get(name) ?? 0;
          const length = Math.min(size - offset, MAX_READ_BYTES);
          if (length <= 0) return { offset, consumed: 0 };
          const bytes = Buffer.alloc(length);
          const read = readSync(fd, bytes, 0, length, offset);
          const end = bytes.lastIndexOf(0x0a, read - 1) + 1;
          if (end === 0) return { offset, consumed: 0 };
          const lines = bytes.toString('utf8', 0, end).split('\n');
          lines.pop();
          this.audit.appendMany(lines.map((line, i) => parseLine(path, line, i)));
          this.saveOffsetStmt.run(name, offset + end);
          report.rows += lines.length;
          return { offset, consumed: end };
        }).immediate();
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
