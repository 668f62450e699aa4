/** A message of an event stream with data, as an EventSource dispatches it. */
export interface SseMessage {
  event: string;
  data: string;
  /** The stream's last event id once this message is in (what to send as Last-Event-ID). */
  lastEventId: string;
}

/**
 * Reads a text/event-stream as the WHATWG HTML standard (9.2.6) says: fields `event`, `data` and `id`, comments,
 * any of CRLF, LF or CR ending a line. `lastEventId` also moves on messages without data.
 */
export class SseParser {
  lastEventId = '';
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private pendingId: string | undefined;

  /** Feeds decoded text; returns the messages it completed, and the comments it read. */
  feed(text: string): { messages: SseMessage[]; comments: string[] } {
    this.buffer += text;
    const messages: SseMessage[] = [];
    const comments: string[] = [];
    for (;;) {
      const end = this.buffer.search(/\r\n|\n|\r/);
      // A CR at the very end may be the first half of a CRLF split between two chunks.
      if (end === -1 || (end === this.buffer.length - 1 && this.buffer.endsWith('\r'))) break;
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + (this.buffer.startsWith('\r\n', end) ? 2 : 1));
      if (line === '') {
        const message = this.dispatch();
        if (message) messages.push(message);
      } else if (line.startsWith(':')) {
        comments.push(line.slice(1).trimStart());
      } else {
        this.field(line);
      }
    }
    return { messages, comments };
  }

  private field(line: string): void {
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'event') this.event = value;
    else if (name === 'data') this.data.push(value);
    else if (name === 'id' && !value.includes('\0')) this.pendingId = value;
  }

  private dispatch(): SseMessage | undefined {
    if (this.pendingId !== undefined) this.lastEventId = this.pendingId;
    const message =
      this.data.length > 0 ? { event: this.event || 'message', data: this.data.join('\n'), lastEventId: this.lastEventId } : undefined;
    this.pendingId = undefined;
    this.event = '';
    this.data = [];
    return message;
  }
}
