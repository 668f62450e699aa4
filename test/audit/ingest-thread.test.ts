import type { Worker } from 'node:worker_threads';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { JournalIngestThread } from '../../src/audit/ingest-thread.js';
import { DecisionJournal, journalDir } from '../../src/audit/journal.js';
import { openMigratedDatabase } from '../../src/core/db/open.js';
import { canonicalJson } from '../../src/audit/chain.js';
import { decisionRow } from '../support/audit.js';
import { eventually } from '../support/eventually.js';
import { tempDir } from '../support/stack.js';

describe('journal ingest thread', () => {
  it('brings the audit log up to date on flush, and comes back after its thread dies', async () => {
    const dbFile = join(tempDir('ingest-thread-'), 'borg.db');
    const db = openMigratedDatabase({ file: dbFile, autoMigrate: true, log: pino({ level: 'silent' }) });
    const count = () => db.prepare("SELECT count(*) FROM audit_log WHERE kind = 'decision'").pluck().get();
    // A long interval, so only flush() can have moved the rows.
    const thread = await JournalIngestThread.start(dbFile, pino({ level: 'silent' }), 60_000);
    const journal = new DecisionJournal(journalDir(dbFile));
    journal.append([decisionRow(), decisionRow()].map(canonicalJson));
    await thread.flush();
    expect(count()).toBe(2);
    // The thread runs in this process, where the journal's own lock on its run still counts as held.
    expect(readdirSync(journalDir(dbFile)).sort()).toEqual([`${journal.run}-000001.jsonl`, `${journal.run}.lock`]);

    await (thread as unknown as { worker: Worker }).worker.terminate();
    await expect(thread.flush()).rejects.toThrow('the decision log cannot be brought up to date: the journal thread is restarting');
    journal.append([canonicalJson(decisionRow())]);
    const flushed = () =>
      thread.flush().then(
        () => count(),
        () => 'restarting',
      );
    expect(await eventually(flushed, (n) => n === 3)).toBe(3);

    journal.append([canonicalJson(decisionRow())]);
    journal.close();
    await thread.stop([journal.run]);
    expect(count()).toBe(4);
    // Everything in the closed journal is in the chain, so its file is gone.
    expect(readdirSync(journalDir(dbFile))).toEqual([]);
    db.close();
  });
});
