import { DeviceApiError } from './errors.js';

/** The fetch the client sends with: the global one, or one the caller passes (a proxy-aware one, a test's). */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** The JSON body of a 2xx reply; anything else becomes a {@link DeviceApiError}. */
export async function readJson<T>(call: string, response: Response): Promise<T> {
  if (!response.ok) throw await apiError(call, response);
  const text = await response.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new DeviceApiError(response.status, 'invalid_reply', `the reply is not JSON: ${excerpt(text)}`, call);
  }
}

/** The error a refused call carries: code and message from `{ error: { code, message } }`, or the status and body text. */
export async function apiError(call: string, response: Response): Promise<DeviceApiError> {
  const text = await response.text().catch(() => '');
  let code = `http_${response.status}`;
  let message = text === '' ? response.statusText || 'no message' : excerpt(text);
  let details: Record<string, unknown> | undefined;
  try {
    const { error } = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    if (error && typeof error.code === 'string') {
      code = error.code;
      if (typeof error.message === 'string') message = error.message;
      if (typeof error.details === 'object' && error.details !== null) details = error.details as Record<string, unknown>;
    }
  } catch {
    // Not the error shape (a proxy's page, say): keep the status and the text.
  }
  return new DeviceApiError(response.status, code, message, call, details, retryAfterMs(response.headers.get('retry-after')));
}

/** `Retry-After` as milliseconds from now: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The `error` parameter of a `WWW-Authenticate: DPoP error="…"` header, if any. */
export function dpopChallengeError(header: string | null): string | undefined {
  return header === null ? undefined : /\berror="([^"]*)"/.exec(header)?.[1];
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `task` with a signal that aborts when `signal` does or after `ms`. Rejects with the caller's reason when the
 * caller aborted, and with an error naming `call` and the wait when the deadline passed.
 */
export async function withDeadline<T>(
  call: string,
  ms: number,
  signal: AbortSignal | undefined,
  task: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (signal?.aborted) throw abortReason(signal);
  // AbortSignal.any would do, but Node 18 lacks it.
  const both = new AbortController();
  const onAbort = (): void => both.abort(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => both.abort(), ms);
  try {
    return await task(both.signal);
  } catch (error) {
    if (signal?.aborted) throw abortReason(signal);
    if (both.signal.aborted) throw new Error(`${call} got no answer within ${ms / 1000} s`, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The signal's reason when it is an error (the default reason is an AbortError), else an AbortError that carries it. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException(`The operation was aborted: ${String(reason)}`, 'AbortError');
}

const excerpt = (text: string): string => (text.length > 200 ? `${text.slice(0, 200)}…` : text);
