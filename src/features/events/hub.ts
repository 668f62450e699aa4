import type { Db } from '../../core/db/database.js';
import { watchAppends } from '../../core/events/appends.js';
import type { EventLog } from '../../core/events/event-log.js';
import { EventStream, sseComment } from './stream.js';
import type { Sink } from './stream.js';

export interface HubOptions {
  /** How often the table is read for other processes' events while a stream is open. */
  pollMs?: number;
  keepAliveMs?: number;
  onError: (err: unknown) => void;
}

const SHUTTING_DOWN = 'the server is shutting down; reconnect with Last-Event-ID';

/** What a new stream asks for: its types, and the id it resumes after (none: new events only). */
export interface StreamRequest {
  types: string[] | undefined;
  after: number | undefined;
}

/**
 * Every open stream of this process, fed by one poller: while any stream is open it reads the newest id, and
 * wakes the streams when it moved. Appends in this process wake it at once; other processes' (the worker's) are
 * seen at the next poll. Streams then read their own events (see EventStream): nothing is buffered here.
 */
export class EventHub {
  private readonly streams = new Set<EventStream>();
  private readonly unwatch: () => void;
  private readonly pollMs: number;
  private readonly keepAliveMs: number;
  private timers: NodeJS.Timeout[] = [];
  private head = 0;
  private closed = false;

  constructor(
    private readonly log: EventLog,
    db: Db,
    private readonly options: HubOptions,
  ) {
    this.pollMs = options.pollMs ?? 500;
    this.keepAliveMs = options.keepAliveMs ?? 15_000;
    this.unwatch = watchAppends(db, () => this.poll());
  }

  /** Starts a stream on `sink` (its SSE headers sent already); it ends when the sink closes or the hub does. */
  open(sink: Sink, request: StreamRequest): void {
    if (this.closed) {
      sink.end(sseComment(SHUTTING_DOWN));
      return;
    }
    let head: number;
    try {
      head = this.readHead();
    } catch (err) {
      this.options.onError(err);
      sink.end(sseComment('the events could not be read; reconnect with Last-Event-ID'));
      return;
    }
    // An id beyond the newest (a database restored from a backup) would skip every event up to it: start with new ones.
    const start = Math.min(request.after ?? head, head);
    const stream = new EventStream(sink, this.log, request.types, start, this.options.onError);
    this.streams.add(stream);
    sink.once('close', () => this.remove(stream));
    if (this.timers.length === 0) {
      this.timers = [setInterval(() => this.poll(), this.pollMs), setInterval(() => this.keepAlive(), this.keepAliveMs)];
    }
    // Reading the head moved it for every stream, so every stream is woken: the poll would not see that move again.
    for (const open of this.streams) open.wake(head);
  }

  /** How many streams are open. */
  get size(): number {
    return this.streams.size;
  }

  /** Ends every stream, telling each to resume elsewhere or later; for the server's shutdown. */
  close(): void {
    this.closed = true;
    this.unwatch();
    for (const stream of this.streams) stream.close(SHUTTING_DOWN);
    this.streams.clear();
    this.stopTimers();
  }

  private remove(stream: EventStream): void {
    stream.close();
    this.streams.delete(stream);
    if (this.streams.size === 0) this.stopTimers();
  }

  private stopTimers(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  private readHead(): number {
    this.head = Math.max(this.head, this.log.head());
    return this.head;
  }

  private poll(): void {
    if (this.streams.size === 0) return;
    const before = this.head;
    try {
      if (this.readHead() === before) return;
    } catch (err) {
      this.options.onError(err);
      return;
    }
    for (const stream of this.streams) stream.wake(this.head);
  }

  private keepAlive(): void {
    for (const stream of this.streams) stream.keepAlive();
  }
}
