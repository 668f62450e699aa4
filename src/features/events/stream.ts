import type { EventLog, StoredEvent } from '../../core/events/event-log.js';

/** Where a stream writes: the reply's socket stream (http.ServerResponse), or any Writable in tests. */
export interface Sink {
  write(chunk: string): boolean;
  end(chunk: string): void;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  destroy(): unknown;
  readonly writableEnded: boolean;
  readonly writableNeedDrain: boolean;
}

/** Events read from the log per write: what a stream may hold in memory beyond its socket's buffer. */
const PAGE = 100;

/** How long an EventSource waits before it reconnects. */
const RETRY_MS = 3000;

export const sseEvent = (e: StoredEvent): string => `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
export const sseComment = (text: string): string => `: ${text}\n\n`;

/**
 * One client's stream. It holds no queue: when woken it reads the next page after its position from the log,
 * and reads again only once the client has taken that page (the write fit, or the socket drained), so a slow
 * client costs its socket's buffer and one page, however far behind it falls.
 */
export class EventStream {
  /** Everything up to here was written or filtered out. */
  private position: number;
  /** The newest id known to be committed. */
  private head: number;
  /** A page is on its way: waiting for the socket to drain, or for the next turn. */
  private busy = false;
  private closed = false;

  constructor(
    private readonly sink: Sink,
    private readonly log: EventLog,
    private readonly types: string[] | undefined,
    start: number,
    private readonly onError: (err: unknown) => void,
  ) {
    this.position = start;
    this.head = start;
    // An id without data moves the client's Last-Event-ID without an event (WHATWG SSE): one that drops before
    // any event came resumes from where it started, not from whatever is newest when it reconnects.
    sink.write(`retry: ${RETRY_MS}\nid: ${start}\n\n`);
  }

  /** Events up to `head` have committed: write those this stream lacks. */
  wake(head: number): void {
    this.head = Math.max(this.head, head);
    this.pump();
  }

  /**
   * A comment so proxies see traffic, skipped while a page waits, which is traffic enough. It carries the position:
   * a filtered stream's client then resumes after the events it skipped, not before them.
   */
  keepAlive(): void {
    if (!this.closed && !this.busy) this.sink.write(`id: ${this.position}\n${sseComment('keep-alive')}`);
  }

  /**
   * Ends the stream with a comment saying why; the client resumes with the last id it saw. Without a reason the
   * client has gone, and a client that reads nothing would never take the comment: either way the socket is let
   * go, which a half-closed or stalled client would otherwise hold open, and the server's shutdown with it.
   */
  close(reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    if (reason === undefined || this.sink.writableNeedDrain) this.sink.destroy();
    else if (!this.sink.writableEnded) this.sink.end(sseComment(reason));
  }

  private pump(): void {
    if (this.closed || this.busy || this.position >= this.head) return;
    let page: StoredEvent[];
    const through = this.head;
    try {
      page = this.log.after(this.position, { types: this.types, limit: PAGE, through });
    } catch (err) {
      this.onError(err);
      this.close('the events could not be read; reconnect with Last-Event-ID');
      return;
    }
    // A short page means nothing else up to `through` matches: a filtered stream skips those rows for good.
    this.position = page.length < PAGE ? through : page.at(-1)!.id;
    const fits = page.length === 0 || this.sink.write(page.map(sseEvent).join(''));
    if (!fits) this.later((next) => this.sink.once('drain', next));
    // The next page on the next turn, so one stream catching up does not hold the event loop.
    else if (this.position < this.head) this.later((next) => setImmediate(next));
  }

  private later(schedule: (next: () => void) => void): void {
    this.busy = true;
    schedule(() => {
      this.busy = false;
      this.pump();
    });
  }
}
