import { closeSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { canonicalJson } from './chain.js';
import type { AuditFields } from './chain.js';

/** The decision journal of a database: a directory beside its file. */
export function journalDir(dbFile: string): string {
  return join(dirname(dbFile), 'journal');
}

/** `<pid>-<start ms>-<n>.jsonl`: who writes it, which run, which segment of that run. */
export const SEGMENT_NAME = /^(\d+)-(\d+)-(\d{6})\.jsonl$/;

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

/**
 * The write-ahead of the decision log. A batch of decisions becomes lines appended with one write
 * (a SQLite commit costs far more than the rest of a check), and each reply waits for that write:
 * once it returns, the decision survives a crash of this process. A background thread moves the
 * lines into the hash-chained audit_log (see JournalIngester) within moments.
 */
export class DecisionJournal {
  /** `<pid>-<start ms>`: the prefix of this journal's segments. */
  readonly run = `${process.pid}-${Date.now()}`;
  private segment = 0;
  private fd = -1;
  private size = 0;

  constructor(
    private readonly dir: string,
    private readonly segmentBytes = DEFAULT_SEGMENT_BYTES,
  ) {
    mkdirSync(dir, { recursive: true });
    this.openNextSegment();
  }

  /** Appends the rows in order, all or none: if the write fails (disk full), what it wrote is cut off and it throws. */
  append(rows: AuditFields[]): void {
    const bytes = Buffer.from(rows.map((row) => `${canonicalJson(row)}\n`).join(''));
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done);
    } catch (err) {
      ftruncateSync(this.fd, this.size);
      throw err;
    }
    this.size += bytes.length;
    if (this.size >= this.segmentBytes) this.openNextSegment();
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private openNextSegment(): void {
    this.close();
    this.segment += 1;
    this.fd = openSync(join(this.dir, `${this.run}-${String(this.segment).padStart(6, '0')}.jsonl`), 'a');
    this.size = 0;
  }
}
