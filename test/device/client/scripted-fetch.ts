import type { FetchLike } from '../../../device/client/index.js';

/** One request as the client sent it. */
export interface Sent {
  method: string;
  url: string;
  headers: Headers;
  body: any;
}

/**
 * A fetch that answers from a script, in order, and records what was sent: the client's own logic (polling,
 * retries, refresh) under test without any server. An answer may inspect the request it answers.
 */
export function scriptedFetch(...answers: ((sent: Sent) => Response | Promise<Response>)[]): { fetch: FetchLike; sent: Sent[] } {
  const sent: Sent[] = [];
  const fetch: FetchLike = async (input, init = {}) => {
    const request: Sent = {
      method: init.method ?? 'GET',
      url: String(input),
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    sent.push(request);
    init.signal?.throwIfAborted();
    const answer = answers.shift();
    if (!answer) throw new Error(`no answer scripted for ${request.method} ${request.url}`);
    return answer(request);
  };
  return { fetch, sent };
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

export const failure = (status: number, code: string, message: string, headers: Record<string, string> = {}): Response =>
  json(status, { error: { code, message } }, headers);
