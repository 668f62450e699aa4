import { execFile } from 'node:child_process';
import { get } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import type { StoredEvent } from '../../../src/core/events/event-log.js';
import { SseParser } from '../../../src/features/events/client/sse-parser.js';
import { eventually } from '../../support/eventually.js';

/** A client of GET /events, reading in the background. */
export interface TestStream {
  status: number;
  headers: Headers;
  /** The error body of a refused stream. */
  body: any;
  events: StoredEvent[];
  comments: string[];
  /** What an EventSource would send as Last-Event-ID now. */
  lastEventId(): string;
  /** Resolves once `count` events have come, with them. */
  waitFor(count: number, timeoutMs?: number): Promise<StoredEvent[]>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/**
 * Opens GET /events with node:http rather than fetch: an aborted fetch has undici open a spare connection that sends
 * no request, which keeps the server's close waiting for its timeout.
 */
export async function openStream(
  baseUrl: string,
  key: string | undefined,
  opts: { query?: string; lastEventId?: string } = {},
): Promise<TestStream> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (opts.lastEventId !== undefined) headers['last-event-id'] = opts.lastEventId;
  const req = get(`${baseUrl}/events${opts.query ?? ''}`, { headers, agent: false });
  const res = await new Promise<IncomingMessage>((resolve, reject) => req.once('response', resolve).once('error', reject));
  const parser = new SseParser();
  const stream: TestStream = {
    status: res.statusCode!,
    headers: new Headers(res.headers as Record<string, string>),
    body: undefined,
    events: [],
    comments: [],
    lastEventId: () => parser.lastEventId,
    waitFor: (count, timeoutMs = 10_000) =>
      eventually(
        () => stream.events,
        (events) => events.length >= count,
        timeoutMs,
      ),
    ended: new Promise((resolve) => res.once('close', resolve)),
    close: () => req.destroy(),
  };
  res.setEncoding('utf8');
  let text = '';
  res.on('data', (chunk: string) => {
    if (stream.status !== 200) {
      text += chunk;
      return;
    }
    const { messages, comments } = parser.feed(chunk);
    stream.events.push(...messages.map((m) => JSON.parse(m.data) as StoredEvent));
    stream.comments.push(...comments);
  });
  if (stream.status !== 200) {
    await new Promise((resolve) => res.once('end', resolve));
    stream.body = JSON.parse(text);
  }
  return stream;
}

const writer = new URL('./append-events.ts', import.meta.url).pathname;

/** Appends `count` events of `type` from another process, as the worker does; returns their ids. */
export async function appendFromAnotherProcess(dbFile: string, type: string, count: number, subject = 'other'): Promise<number[]> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', writer, dbFile, type, String(count), subject]);
  return JSON.parse(stdout) as number[];
}
