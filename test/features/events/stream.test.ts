import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../../src/core/db/database.js';
import type { Db } from '../../../src/core/db/database.js';
import { openMigratedDatabase } from '../../../src/core/db/open.js';
import { EventLog } from '../../../src/core/events/event-log.js';
import { SseParser } from '../../../src/features/events/client/sse-parser.js';
import { EventHub } from '../../../src/features/events/hub.js';
import { eventually } from '../../support/eventually.js';
import { tempDir } from '../../support/stack.js';

/** A client socket the test controls: whether writes fit, and when it drains. */
class TestSink extends EventEmitter {
  text = '';
  full = false;
  writableEnded = false;
  destroyed = false;
  get writableNeedDrain(): boolean {
    return this.full;
  }
  write(chunk: string): boolean {
    this.text += chunk;
    return !this.full;
  }
  end(chunk: string): void {
    this.text += chunk;
    this.writableEnded = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
  ids(): number[] {
    return [...this.text.matchAll(/^id: (\d+)\nevent:/gm)].map((m) => Number(m[1]));
  }
}

describe('the SSE parser', () => {
  it('reads events, comments and ids as an EventSource does, whatever the line ends and chunk boundaries', () => {
    const parser = new SseParser();
    const text = 'retry: 3000\r\nid: 7\r\n\r\n: keep-alive\rid: 8\revent: run.started\rdata: {"a":1}\r\rdata: one\ndata: two\n\n';
    const messages = [];
    const comments = [];
    // One character at a time: every CRLF is split somewhere.
    for (const c of text) {
      const read = parser.feed(c);
      messages.push(...read.messages);
      comments.push(...read.comments);
    }
    expect(messages).toEqual([
      { event: 'run.started', data: '{"a":1}', lastEventId: '8' },
      { event: 'message', data: 'one\ntwo', lastEventId: '8' },
    ]);
    expect(comments).toEqual(['keep-alive']);
    expect(parser.feed('id: 9\n\nid: bad\0\n\n').messages).toEqual([]);
    expect(parser.lastEventId).toBe('9');
  });
});

describe('the event hub and its streams', () => {
  let db: Db;
  let log: EventLog;
  let hub: EventHub;
  const errors: unknown[] = [];
  const append = (type: string, n: number) =>
    Array.from({ length: n }, () => log.append({ type, subject: 'x', data: { pad: 'x'.repeat(100) } }));

  beforeEach(() => {
    db = openMigratedDatabase({ file: join(tempDir(), 'borg.db'), autoMigrate: true, log: pino({ level: 'silent' }) });
    log = new EventLog(db);
    hub = new EventHub(log, db, { pollMs: 20, keepAliveMs: 50, onError: (err) => errors.push(err) });
  });
  afterEach(() => {
    hub.close();
    closeDatabase(db);
    expect(errors).toEqual([]);
  });

  it("wakes every open stream for another process's event that a new stream's opening found first", async () => {
    const first = new TestSink();
    hub.open(first, { types: undefined, after: undefined });
    // Another process's append: no in-process wake-up, only the head moves.
    const other = openDatabase(db.name);
    const id = Number(
      other.prepare(`INSERT INTO events (type, subject, data, at) VALUES ('run.started', 'x', '{}', ?)`).run(new Date().toISOString())
        .lastInsertRowid,
    );
    closeDatabase(other);
    hub.open(new TestSink(), { types: undefined, after: undefined });
    await eventually(
      () => first.ids(),
      (ids) => ids.includes(id),
      2_000,
    );
  });

  it('writes a page, then waits for a slow client to drain before it reads the next', async () => {
    const ids = append('run.device_result', 250);
    const sink = new TestSink();
    sink.full = true;
    hub.open(sink, { types: undefined, after: 0 });
    expect(sink.ids()).toEqual(ids.slice(0, 100));
    append('run.device_result', 50);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sink.ids()).toHaveLength(100);
    sink.emit('drain');
    expect(sink.ids()).toEqual(ids.slice(0, 200));
    sink.full = false;
    sink.emit('drain');
    await eventually(
      () => sink.ids().length,
      (n) => n === 300,
    );
  });

  it('lets go of a client that stopped reading when it closes: it would never take the last comment', () => {
    append('run.device_result', 150);
    const stalled = new TestSink();
    stalled.full = true;
    hub.open(stalled, { types: undefined, after: 0 });
    hub.close();
    expect({ destroyed: stalled.destroyed, ended: stalled.writableEnded }).toEqual({ destroyed: true, ended: false });
  });

  it('moves a filtered client past the events it skipped with each keep-alive, and forgets a client that left', async () => {
    const sink = new TestSink();
    hub.open(sink, { types: ['device.online'], after: undefined });
    expect(sink.text).toBe('retry: 3000\nid: 0\n\n');
    append('run.started', 3);
    await eventually(
      () => sink.text,
      (text) => text.includes('id: 3\n: keep-alive'),
    );
    const parser = new SseParser();
    expect(parser.feed(sink.text).messages).toEqual([]);
    expect(parser.lastEventId).toBe('3');
    expect(hub.size).toBe(1);
    sink.emit('close');
    expect(hub.size).toBe(0);
  });

  it('ends every stream on close, telling it to resume, and refuses new ones', () => {
    const sink = new TestSink();
    hub.open(sink, { types: undefined, after: undefined });
    hub.close();
    expect(sink.writableEnded).toBe(true);
    expect(sink.text).toMatch(/: the server is shutting down; reconnect with Last-Event-ID\n\n$/);
    const late = new TestSink();
    hub.open(late, { types: undefined, after: undefined });
    expect(late.text).toBe(': the server is shutting down; reconnect with Last-Event-ID\n\n');
  });
});
