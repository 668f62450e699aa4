import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { canonicalJson, verifyChain } from '../../src/audit/chain.js';
import { JournalIngester } from '../../src/audit/ingest.js';
import { DecisionJournal, journalDir, runLockFile } from '../../src/audit/journal.js';
import { openDatabase } from '../../src/core/db/database.js';
import type { Db } from '../../src/core/db/database.js';
import { openMigratedDatabase } from '../../src/core/db/open.js';
import { AuditLogRepository } from '../../src/audit/audit-log.js';
import { tryLock } from '../../src/core/process/file-lock.js';
import { decisionRow } from '../support/audit.js';
import { lockInAnotherProcess } from '../support/lock-holder.js';
import { tempDir } from '../support/stack.js';
import { startWriterProcess } from './writer-process.js';

function database(): { db: Db; dbFile: string; dir: string } {
  const dbFile = join(tempDir('journal-'), 'borg.db');
  const db = openMigratedDatabase({ file: dbFile, autoMigrate: true, log: pino({ level: 'silent' }) });
  return { db, dbFile, dir: journalDir(dbFile) };
}

const ids = (db: Db): string[] => db.prepare("SELECT id FROM audit_log WHERE kind = 'decision' ORDER BY seq").pluck().all() as string[];

const canUnshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

/** One ingest round by a process in a pid namespace of its own, where no pid of this one exists. */
function ingestInNewPidNamespace(dbFile: string): unknown {
  const script = new URL('./ingest-once.ts', import.meta.url).pathname;
  const run = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, '--import', 'tsx', script, dbFile], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`ingest in a new pid namespace failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid;
}

describe('decision journal', () => {
  it('moves appended decisions into the audit chain in order, exactly once', () => {
    const { db, dir } = database();
    const journal = new DecisionJournal(dir);
    const rows = [decisionRow(), decisionRow(), decisionRow()];
    journal.append(rows.slice(0, 2).map(canonicalJson));
    journal.append(rows.slice(2).map(canonicalJson));
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
    journal.append(rows.map(canonicalJson));
    expect(new JournalIngester(db, dir).ingest()).toMatchObject({ rows: 150 });
    expect(ids(db)).toEqual(rows.map((r) => r.id));
    expect(verifyChain(new AuditLogRepository(db).rows())).toMatchObject({ ok: true, checked: 150 });
  });

  it('deletes the segments it has finished and keeps the one still being written', () => {
    const { db, dir } = database();
    const journal = new DecisionJournal(dir, 600);
    const rows = Array.from({ length: 12 }, decisionRow);
    for (const row of rows) journal.append([canonicalJson(row)]);
    expect(readdirSync(dir).length).toBeGreaterThan(3);
    const ingester = new JournalIngester(db, dir);
    const report = ingester.ingest();
    expect(report.rows).toBe(12);
    // This process's own lock on the run counts as held: SQLite tracks its locks per process.
    expect(readdirSync(dir).sort()).toEqual([expect.stringMatching(/-\d{6}\.jsonl$/), `${journal.run}.lock`]);
    expect(ids(db)).toEqual(rows.map((r) => r.id));
    journal.close();
    expect(ingester.ingest()).toMatchObject({ rows: 0, removed: 1 });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('waits for a torn line while its run is locked, and drops it once the lock is free, whatever the pid in the name', async () => {
    const { db, dir } = database();
    mkdirSync(dir);
    const [a, b, c] = [decisionRow(), decisionRow(), decisionRow()];
    const torn = canonicalJson(c).slice(0, 40);

    // As a writer in another pid namespace looks: its pid is nobody here, yet it holds its run's lock.
    const live = `${deadPid()}-1`;
    writeFileSync(join(dir, `${live}-000001.jsonl`), `${canonicalJson(a)}\n${torn}`);
    const { holder } = await lockInAnotherProcess(runLockFile(dir, live));
    const ingester = new JournalIngester(db, dir);
    expect(ingester.ingest()).toMatchObject({ rows: 1, removed: 0, discardedBytes: 0 });
    appendFileSync(join(dir, `${live}-000001.jsonl`), `${canonicalJson(c).slice(40)}\n${torn}`);
    expect(ingester.ingest()).toMatchObject({ rows: 1, removed: 0, discardedBytes: 0 });
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    expect(ingester.ingest()).toMatchObject({ rows: 0, removed: 1, discardedBytes: torn.length });

    // As an earlier container's pid 1 looks to its successor: the pid is alive, but nobody holds the run's lock.
    const ended = `${process.pid}-2`;
    writeFileSync(join(dir, `${ended}-000001.jsonl`), `${canonicalJson(b)}\n${torn}`);
    tryLock(runLockFile(dir, ended))!.release();
    expect(ingester.ingest()).toMatchObject({ rows: 1, removed: 1, discardedBytes: torn.length });

    expect(ids(db)).toEqual([a.id, c.id, b.id]);
    // The lock files of both ended runs went with their last segment.
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a line that is not a journal record, naming the file, and moves nothing from that round', () => {
    const { db, dir } = database();
    new DecisionJournal(dir).close();
    const file = join(dir, `${process.pid}-1-000001.jsonl`);
    writeFileSync(file, `${canonicalJson(decisionRow())}\n["not", "a", "record"]\n`);
    expect(() => new JournalIngester(db, dir).ingest()).toThrow(
      `${file}: line 2 of the unread part is not a journal record (expected a JSON array of 12 audit fields)`,
    );
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
      journal.append([canonicalJson(row)]);
      written.push(row.id);
      (i % 2 ? one : two).ingest();
    }
    one.ingest();
    two.ingest();
    other.close();
    expect(ids(db)).toEqual(written);
    expect(verifyChain(new AuditLogRepository(db).rows())).toMatchObject({ ok: true, checked: 20 });
  });

  it('removes a run lock without segments only when nobody holds it (a writer holds it before its first segment)', async () => {
    const { db, dir } = database();
    mkdirSync(dir);
    const [starting, leftover] = [runLockFile(dir, '1-1'), runLockFile(dir, '1-2')];
    await lockInAnotherProcess(starting);
    tryLock(leftover)!.release();
    new JournalIngester(db, dir).ingest();
    expect(readdirSync(dir)).toEqual(['1-1.lock']);
  });

  it('keeps the segment of a live writer whose pid means nothing to the reader, and loses none of its decisions', async () => {
    const { db, dir } = database();
    const writer = await startWriterProcess(dir);
    const first = await writer.append(5);
    // What a reader in another pid namespace sees: a name whose pid is nobody. The writer's lock and file stay the same.
    const seen = `${deadPid()}-${writer.run.split('-')[1]}`;
    renameSync(runLockFile(dir, writer.run), runLockFile(dir, seen));
    renameSync(join(dir, `${writer.run}-000001.jsonl`), join(dir, `${seen}-000001.jsonl`));
    const ingester = new JournalIngester(db, dir);
    expect(ingester.ingest()).toMatchObject({ rows: 5, removed: 0 });
    const second = await writer.append(4);
    expect(ingester.ingest()).toMatchObject({ rows: 4, removed: 0 });
    await writer.kill();
    expect(ingester.ingest()).toMatchObject({ rows: 0, removed: 1 });
    expect(ids(db)).toEqual([...first.ids, ...second.ids]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it.runIf(canUnshare)('keeps the segment of a live writer while a reader in another pid namespace ingests', () => {
    const { db, dbFile, dir } = database();
    const journal = new DecisionJournal(dir);
    const rows = [decisionRow(), decisionRow()];
    journal.append(rows.slice(0, 1).map(canonicalJson));
    expect(ingestInNewPidNamespace(dbFile)).toMatchObject({ rows: 1, removed: 0 });
    journal.append(rows.slice(1).map(canonicalJson));
    journal.close();
    expect(ingestInNewPidNamespace(dbFile)).toMatchObject({ rows: 1, removed: 1 });
    expect(ids(db)).toEqual(rows.map((r) => r.id));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('ingests a segment from before run locks but keeps it, unless a later segment of its run exists', () => {
    const { db, dir } = database();
    mkdirSync(dir);
    const [a, b, c] = [decisionRow(), decisionRow(), decisionRow()];
    const run = `${deadPid()}-1`;
    writeFileSync(join(dir, `${run}-000001.jsonl`), `${canonicalJson(a)}\n`);
    writeFileSync(join(dir, `${run}-000002.jsonl`), `${canonicalJson(b)}\n${canonicalJson(c).slice(0, 40)}`);
    expect(new JournalIngester(db, dir).ingest()).toMatchObject({ rows: 2, removed: 1, discardedBytes: 0 });
    expect(readdirSync(dir)).toEqual([`${run}-000002.jsonl`]);
    expect(ids(db)).toEqual([a.id, b.id]);
  });

  it('never cuts back a failed write: later decisions go to a new segment and the complete part of the failed one is kept', async () => {
    const { db, dir } = database();
    // Files of at most 8 KiB: a batch that crosses the limit is written in part, then fails with EFBIG.
    const writer = await startWriterProcess(dir, 'ulimit -f 8');
    const first = await writer.append(3);
    const failed = await writer.append(60);
    expect(failed.error).toBe('EFBIG');
    // Bytes an ingester may already have read stay where they are.
    expect(statSync(join(dir, `${writer.run}-000001.jsonl`)).size).toBe(8192);
    const last = await writer.append(3);
    expect([first.error, last.error]).toEqual([undefined, undefined]);

    const ingester = new JournalIngester(db, dir);
    const report = ingester.ingest();
    expect(report).toMatchObject({ removed: 1 });
    expect(report.discardedBytes).toBeGreaterThan(0);
    const moved = ids(db);
    const partial = moved.slice(3, -3);
    expect(moved).toEqual([...first.ids, ...failed.ids.slice(0, partial.length), ...last.ids]);
    expect(readdirSync(dir).sort()).toEqual([`${writer.run}-000002.jsonl`, `${writer.run}.lock`]);
    await writer.kill();
    expect(ingester.ingest()).toMatchObject({ rows: 0, removed: 1 });
    expect(verifyChain(new AuditLogRepository(db).rows())).toMatchObject({ ok: true, checked: moved.length });
  });
});
