import { request } from 'node:http';
import { expect } from 'vitest';
import { startTestApi } from '../../../support/stack.js';
import type { TestApi } from '../../../support/stack.js';
import { dpopProof } from '../../../support/devices.js';
import type { Reply, TestDevice } from '../../../support/devices.js';

/** The challenge every DPoP refusal carries (RFC 9449 §7.1): the error code and the algorithms this server takes. */
export const challenge = (code: string) => `DPoP error="${code}", algs="EdDSA ES256"`;

export { heartbeatBody as beat } from '../../../support/devices.js';

/** Asserts a DPoP refusal: its status, the WWW-Authenticate challenge, the error code and, for a proof, the failed check. */
export function expectRefused(reply: Reply, expected: { status?: number; code?: string; check?: string } = {}): void {
  const { status = 401, code = 'invalid_dpop_proof', check } = expected;
  const seen = JSON.stringify(reply.body);
  expect(reply.status, seen).toBe(status);
  expect(reply.headers.get('www-authenticate'), seen).toBe(challenge(code));
  expect(reply.body?.error?.code, seen).toBe(code);
  if (check !== undefined) expect(reply.body.error.details?.check, seen).toBe(check);
}

/** A token-endpoint proof: like the device library's, without `ath` (there is no access token yet). */
export function refreshProof(device: TestDevice, url: string, claims: Record<string, unknown> = {}): string {
  return dpopProof({ ...device, accessToken: undefined }, 'POST', url, claims);
}

/** The payload of a JWT, unverified. */
export function jwtPayload(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, any>;
}

/** A raw POST (a JSON value, or `raw` text sent as JSON), with extra headers such as X-Forwarded-For. */
export async function post(
  baseUrl: string,
  path: string,
  body: unknown,
  opts: { raw?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...opts.headers },
    body: opts.raw ?? JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/**
 * Starts the API alone again over an existing data dir (its database, token keys and instance id), as a restart
 * would: `env` must name the same BORG_DATA_DIR, and the same TEMPORAL_TASK_QUEUE and BORG_API_PORT when they matter.
 */
export function restartApi(temporalAddress: string, env: Record<string, string>): Promise<TestApi> {
  return startTestApi(temporalAddress, env);
}

/** Asserts a 429 rate_limited answer with a Retry-After of 1 to 60 s, and returns what it limited (address or key). */
export function expectRateLimited(reply: Reply): string {
  const seen = JSON.stringify(reply.body);
  expect(reply.status, seen).toBe(429);
  expect(reply.body.error.code, seen).toBe('rate_limited');
  const retryAfter = Number(reply.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter), `Retry-After: ${reply.headers.get('retry-after')}`).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(reply.body.error.details.retry_after_s).toBe(retryAfter);
  return reply.body.error.details.limit as string;
}

/**
 * A raw HTTP/1.1 request whose headers go out line by line as given (a name may repeat, as two DPoP headers),
 * with a Host header: Node adds none itself when headers are given as a list.
 */
export function rawCall(url: string, method: string, headers: [string, string][], body?: unknown): Promise<Reply> {
  const target = new URL(url);
  const payload = body === undefined ? '' : JSON.stringify(body);
  const lines: string[] = ['host', target.host];
  for (const [name, value] of headers) lines.push(name, value);
  if (payload) lines.push('content-type', 'application/json', 'content-length', String(Buffer.byteLength(payload)));
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method, headers: lines },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
          }
          resolve({ status: res.statusCode!, headers, body: text ? (JSON.parse(text) as unknown) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
