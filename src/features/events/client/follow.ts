import { get as httpGet } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { StoredEvent } from '../../../core/events/event-log.js';
import { SseParser } from './sse-parser.js';

export interface FollowOptions {
  /** The API's base URL. */
  url: string;
  /** An operator API key. */
  key: string;
  types?: string[];
  /** Start after this event id; absent: new events only. */
  after?: number;
  onEvent: (event: StoredEvent) => void;
  /** Connection changes, in words, for a person watching. */
  onNotice: (text: string) => void;
  signal: AbortSignal;
  /** Wait before reconnecting: doubles from this after each failed attempt, up to maxDelayMs. */
  delayMs?: number;
  maxDelayMs?: number;
}

/** The API refused the stream (a bad key, an unknown type): reconnecting would not help. */
export class StreamRefused extends Error {
  override name = 'StreamRefused';
}

const wait = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * One connection, until the stream ends or drops. node:http rather than fetch: an aborted fetch leaves undici
 * holding a spare connection, which keeps this process alive and the server's shutdown waiting.
 */
function connect(url: URL, headers: Record<string, string>, signal: AbortSignal, onOpen: () => void, onText: (text: string) => void) {
  return new Promise<void>((resolve, reject) => {
    const get = url.protocol === 'https:' ? httpsGet : httpGet;
    const req = get(url, { headers, agent: false, signal }, (res: IncomingMessage) => {
      res.setEncoding('utf8');
      res.once('close', resolve);
      if (res.statusCode === 200) {
        onOpen();
        res.on('data', onText);
        return;
      }
      let body = '';
      res.on('data', (chunk: string) => (body += chunk));
      res.once('end', () => {
        const message = (JSON.parse(body || '{}') as { error?: { message?: string } }).error?.message ?? res.statusMessage;
        const status = res.statusCode ?? 0;
        const problem = `the API refused the stream (${status}): ${message}`;
        reject(status >= 400 && status < 500 ? new StreamRefused(problem) : new Error(problem));
      });
    });
    req.once('error', reject);
  });
}

/**
 * Follows GET /events until `signal` aborts (then it returns), reconnecting after any drop with Last-Event-ID, so
 * every event comes once and in order, across API restarts. Throws StreamRefused on a 4xx.
 */
export async function followEvents(options: FollowOptions): Promise<void> {
  const { signal, delayMs = 1000, maxDelayMs = 15_000 } = options;
  const parser = new SseParser();
  if (options.after !== undefined) parser.lastEventId = String(options.after);
  const url = new URL(`${options.url.replace(/\/$/, '')}/events`);
  if (options.types) url.searchParams.set('types', options.types.join(','));
  let delay = delayMs;
  while (!signal.aborted) {
    try {
      const headers = { authorization: `Bearer ${options.key}`, ...(parser.lastEventId ? { 'last-event-id': parser.lastEventId } : {}) };
      const opened = () => {
        options.onNotice(`following ${url.origin}/events${parser.lastEventId ? ` after event ${parser.lastEventId}` : ''}`);
        delay = delayMs;
      };
      await connect(url, headers, signal, opened, (text) => {
        for (const message of parser.feed(text).messages) options.onEvent(JSON.parse(message.data) as StoredEvent);
      });
      if (!signal.aborted) options.onNotice('the stream ended');
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof StreamRefused) throw err;
      options.onNotice(`the stream dropped: ${(err as Error).message}`);
    }
    if (signal.aborted) return;
    options.onNotice(`reconnecting in ${delay / 1000} s`);
    await wait(delay, signal);
    delay = Math.min(delay * 2, maxDelayMs);
  }
}
