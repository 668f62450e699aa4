import { spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { canonicalJson, verifyChain } from '../../../lib/audit/chain.js';
import { JournalIngester } from '../../../lib/audit/ingest.js';
import { DecisionJournal, journalDir } from '../../../lib/audit/journal.js';
import { openDatabase } from '../../../lib/db/database.js';
import type { Db } from '../../../lib/db/database.js';
import { openMigratedDatabase } from '../../../lib/db/open.js';
import { AuditLogRepository } from '../../../lib/db/repositories/audit-log.js';
import { decisionRow } from '../../support/audit.js';
import { tempDir } from '../../support/stack.js';

function database(): { db: Db; dbFile: string; dir: string } {
  const dbFile = join(tempDir('journal-'), 'borg.db');
  const db = openMigratedDatabase({ file: dbFile, autoMigrate: true, log: pino({ level: 'silent' }) });
  return { db, dbFile, dir: journalDir(dbFile) };
}

const ids = (db: Db): string[] => (db.prepare("SELECT id FROM audit_log WHERE kind = 'decision' ORDER BY seq").pluck().all() as string[]);

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid;
}

describe('decision journal', () => {
  it('moves appended decisions into the audit chain in order, exactly once', () => {
    const { db, dir } = database();
    const journal = new DecisionJournal(dir);
    const rows = [decisionRow(), decisionRow(), decisionRow()];
    journal.append(rows.slice(0, 2));
    journal.append(rows.slice(2));
    const ingester = new JournalIngester(db, dir);
    expect(ingester.ingest()).toMatchObject({ rows: 3 });
    expect(ingester.ingest()).toMatchObject({ rows: 0 });
    expect(ids(db)).toEqual(rows.map((r) => r.id));
    expect(verifyChain(new AuditLogRepository(db).rows())).toMatchObject({ ok: true, checked: 3 });
  });

  it('keeps chain order when many decisions are moved at once', () => {
    const { db, dir } = database();
    const journal = new DecisionJournal(dir);
    const rows = Array.from({ length: 150 }, decisionRow);
    journal.append(rows);
    expect(new JournalIngester(db, dir).ingest()).toMatchObject({ rows: 150 });
    expect(ids(db)).toEqual(rows.map((r) => r.id));
    expect(verifyChain(new AuditLogRepository(db).rows())).toMatchObject({ ok: true, checked: 150 });
  });

  it('deletes the segments it has finished and keeps the one still being written', () => {
    const { db, dir } = database();
    const journal = new DecisionJournal(dir, 600);
    const rows = Array.from({ length: 12 }, decisionRow);
    for (const row of rows) journal.append([row]);
    expect(readdirSync(dir).length).toBeGreaterThan(3);
    const report = new JournalIngester(db, dir).ingest();
    expect(report.rows).toBe(12);
    expect(readdirSync(dir)).toHaveLength(1);
    expect(ids(db)).toEqual(rows.map((r) => r.id));
  });

  it('waits for a line still being written, and drops a torn line only once its writer is dead', () => {
    const { db, dir } = database();
    new DecisionJournal(dir).close();
    const [a, b, c] = [decisionRow(), decisionRow(), decisionRow()];
    const torn = canonicalJson(c).slice(0, 40);

    const live = join(dir, `${process.pid}-1-000001.jsonl`);
    writeFileSync(live, `${canonicalJson(a)}\n${torn}`);
    const ingester = new JournalIngester(db, dir);
    expect(ingester.ingest()).toMatchObject({ rows: 1, discardedBytes: 0 });
    appendFileSync(live, `${canonicalJson(c).slice(40)}\n`);
    expect(ingester.ingest()).toMatchObject({ rows: 1 });

    const crashed = join(dir, `${deadPid()}-1-000001.jsonl`);
    writeFileSync(crashed, `${canonicalJson(b)}\n${torn}`);
    expect(ingester.ingest()).toMatchObject({ rows: 1, removed: 1, discardedBytes: torn.length });
    expect(readdirSync(dir)).not.toContain(crashed.split('/').at(-1));
    expect(ids(db)).toEqual([a.id, c.id, b.id]);
  });

  it('refuses a line that is not a journal record, naming the file, and moves nothing from that round', () => {
    const { db, dir } = database();
    new DecisionJournal(dir).close();
    const file = join(dir, `${process.pid}-1-000001.jsonl`);
    writeFileSync(file, `${canonicalJson(decisionRow())}\n["not", "a", "record"]\n`);
    expect(() => new JournalIngester(db, dir).ingest()).toThrow(`${file}: line 2 of the unread part is not a journal record (expected a JSON array of 12 audit fields)`);
    expect(ids(db)).toEqual([]);
  });

  it('never repeats a decision when two ingesters share the journal', () => {
    const { db, dbFile, dir } = database();
    const other = openDatabase(dbFile);
    const journal = new DecisionJournal(dir, 400);
    const [one, two] = [new JournalIngester(db, dir), new JournalIngester(other, dir)];
    const written: string[] = [];
    for (let i = 0; i < 20; i++) {
      const row = decisionRow();
      journal.append([row]);
      written.push(row.id);
      (i % 2 ? one : two).ingest();
    }
    one.ingest();
    two.ingest();
    other.close();
    expect(ids(db)).toEqual(written);
    expect(verifyChain(new AuditLogRepository(db).rows())).toMatchObject({ ok: true, checked: 20 });
  });
});
