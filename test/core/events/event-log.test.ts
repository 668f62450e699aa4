import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../../src/core/db/database.js';
import type { Db } from '../../../src/core/db/database.js';
import { openMigratedDatabase } from '../../../src/core/db/open.js';
import { watchAppends } from '../../../src/core/events/appends.js';
import { EventLog } from '../../../src/core/events/event-log.js';
import { startRetention } from '../../../src/core/events/retention.js';
import { eventually } from '../../support/eventually.js';
import { tempDir } from '../../support/stack.js';

const DAY_MS = 86_400_000;

describe('the event log (real SQLite file)', () => {
  let db: Db;
  let log: EventLog;
  beforeEach(() => {
    db = openMigratedDatabase({ file: join(tempDir(), 'borg.db'), autoMigrate: true, log: pino({ level: 'silent' }) });
    log = new EventLog(db);
  });
  afterEach(() => closeDatabase(db));

  /** Backdates an event, as if it had been appended `days` ago. */
  const age = (id: number, days: number) =>
    db.prepare('UPDATE events SET at = ? WHERE id = ?').run(new Date(Date.now() - days * DAY_MS).toISOString(), id);

  it('appends with growing ids and reads after an id, by exact type or prefix, up to a known id', () => {
    expect(log.head()).toBe(0);
    const ids = ['run.started', 'device.online', 'run.device_result', 'run.finished', 'job.schedule_changed'].map((type, i) =>
      log.append({ type, subject: `s${i}`, data: { i } }),
    );
    expect(ids).toEqual([1, 2, 3, 4, 5]);
    expect(log.head()).toBe(5);
    expect(log.after(0, { limit: 2 })).toEqual([
      { id: 1, type: 'run.started', subject: 's0', data: { i: 0 }, at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) },
      { id: 2, type: 'device.online', subject: 's1', data: { i: 1 }, at: expect.any(String) },
    ]);
    const types = (events: { type: string }[]) => events.map((e) => e.type);
    expect(types(log.after(1, { types: ['run.*'], limit: 10 }))).toEqual(['run.device_result', 'run.finished']);
    expect(types(log.after(0, { types: ['device.online', 'job.*'], limit: 10 }))).toEqual(['device.online', 'job.schedule_changed']);
    expect(log.after(0, { types: ['run.*'], limit: 10, through: 3 }).map((e) => e.id)).toEqual([1, 3]);
    expect(log.after(0, { types: [], limit: 10 })).toEqual([]);
    expect(log.append({ type: 'run.started', data: {} })).toBe(6);
    expect(log.after(5, { limit: 1 })[0]!.subject).toBeNull();
  });

  it('commits or rolls back with the transaction it is appended in', () => {
    expect(() =>
      db.transaction(() => {
        log.append({ type: 'device.online', subject: 'dev_1', data: {} });
        throw new Error('the change it announces failed');
      })(),
    ).toThrow('the change it announces failed');
    expect(log.head()).toBe(0);
    db.transaction(() => log.append({ type: 'device.online', subject: 'dev_1', data: {} }))();
    expect(log.after(0, { limit: 10 })).toHaveLength(1);
  });

  it('refuses a type that is not in the catalogue', () => {
    expect(() => log.append({ type: 'run.exploded', data: {} })).toThrow(/unknown event type "run.exploded"/);
  });

  it('wakes watchers of the same file once per turn, on any connection, after the transaction', async () => {
    let calls = 0;
    let seen = -1;
    const stop = watchAppends(db, () => {
      calls++;
      seen = log.head();
    });
    const other = openDatabase(db.name);
    try {
      const otherLog = new EventLog(other);
      other.transaction(() => {
        for (let i = 0; i < 3; i++) otherLog.append({ type: 'run.started', data: {} });
      })();
      log.append({ type: 'run.finished', data: {} });
      await eventually(
        () => calls,
        (n) => n > 0,
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect({ calls, seen }).toEqual({ calls: 1, seen: 4 });
      stop();
      log.append({ type: 'run.finished', data: {} });
      await new Promise((resolve) => setImmediate(resolve));
      expect(calls).toBe(1);
    } finally {
      other.close();
    }
  });

  it('prunes the oldest events past the cutoff in batches, and never hands out an id twice', () => {
    const ids = Array.from({ length: 5 }, () => log.append({ type: 'run.started', data: {} }));
    for (const id of ids.slice(0, 4)) age(id, 10);
    const cutoff = new Date(Date.now() - 7 * DAY_MS).toISOString();
    expect(log.prune(cutoff, 3)).toBe(3);
    expect(log.prune(cutoff, 3)).toBe(1);
    expect(log.prune(cutoff, 3)).toBe(0);
    expect(log.after(0, { limit: 10 }).map((e) => e.id)).toEqual([5]);
    age(5, 10);
    expect(log.prune(cutoff, 3)).toBe(1);
    expect(log.head()).toBe(0);
    // A client that saw id 5 resumes after it: the next event must not be 5 again.
    expect(log.append({ type: 'run.started', data: {} })).toBe(6);
  });

  it('keeps events for the retention days, pruning the rest on a timer in small batches', async () => {
    const ids = Array.from({ length: 25 }, () => log.append({ type: 'run.started', data: {} }));
    for (const id of ids.slice(0, 20)) age(id, 8);
    for (const id of ids.slice(20, 23)) age(id, 6);
    const errors: unknown[] = [];
    const stop = startRetention(log, { days: 7, everyMs: 50, batch: 4, maxBatches: 2, onError: (err) => errors.push(err) });
    try {
      await eventually(
        () => log.after(0, { limit: 100 }).map((e) => e.id),
        (left) => left.length === 5,
        5000,
      );
      expect(log.after(0, { limit: 100 }).map((e) => e.id)).toEqual(ids.slice(20));
      expect(errors).toEqual([]);
    } finally {
      stop();
    }
  });
});
