import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DomainError } from '../../../src/core/errors.js';
import { verifyDpopProof } from '../../../src/features/devices/dpop/verify-proof.js';
import type { DpopSettings } from '../../../src/features/devices/dpop/verify-proof.js';

export interface RefreshServer {
  baseUrl: string;
  /** Requests to the refresh endpoint, whatever their answer. */
  readonly calls: number;
  /** Refresh tokens handed out so far, the first one included. */
  readonly issued: string[];
  /** Whether a rotated-out token came back, which revoked the family. */
  readonly revoked: boolean;
  close: () => Promise<void>;
}

/**
 * A stand-in for the control plane's `POST /api/agent/token/refresh` only, for the client's unit tests: it checks
 * the DPoP proof with the server's own verifier, rotates the refresh token on every use, and revokes the family
 * when a rotated-out token comes back, as the protocol says. Every other path is a 404.
 */
export async function startRefreshServer(options: {
  settings: DpopSettings;
  firstRefreshToken: string;
  /** How long the server takes to answer, so that callers overlap. */
  delayMs?: number;
  expiresInS?: number;
}): Promise<RefreshServer> {
  const issued = [options.firstRefreshToken];
  let calls = 0;
  let revoked = false;
  const reply = (res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/api/agent/token/refresh') {
        reply(res, 404, { error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url}` } });
        return;
      }
      calls += 1;
      try {
        verifyDpopProof(
          { dpop: req.headersDistinct.dpop, method: req.method, target: { protocol: 'http', host: req.headers.host!, url: req.url } },
          options.settings,
        );
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const nonce: Record<string, string> = error.code === 'use_dpop_nonce' ? { 'dpop-nonce': String(error.details?.nonce) } : {};
        reply(
          res,
          400,
          { error: { code: error.code, message: error.message } },
          { 'www-authenticate': `DPoP error="${error.code}"`, ...nonce },
        );
        return;
      }
      const { refresh_token: token } = JSON.parse(raw) as { refresh_token?: string };
      const current = issued.at(-1);
      if (revoked || token !== current) {
        if (token !== undefined && issued.includes(token)) revoked = true;
        reply(res, 400, {
          error: { code: 'invalid_grant', message: revoked ? 'refresh token reused: the family is revoked' : 'unknown refresh token' },
        });
        return;
      }
      const next = `rt-${issued.length}`;
      issued.push(next);
      setTimeout(
        () =>
          reply(res, 200, {
            access_token: `at-${issued.length - 1}`,
            expires_in: options.expiresInS ?? 900,
            refresh_token: next,
            token_type: 'DPoP',
          }),
        options.delayMs ?? 0,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    get calls() {
      return calls;
    },
    issued,
    get revoked() {
      return revoked;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
