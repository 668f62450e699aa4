import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DomainError } from '../../../src/core/errors.js';
import { verifyDpopProof } from '../../../src/features/devices/dpop/verify-proof.js';
import type { DpopSettings } from '../../../src/features/devices/dpop/verify-proof.js';
import type { RunResult, WorkItem } from '../../../device/client/index.js';

export interface WorkServer {
  baseUrl: string;
  /** Hands these items to the device: at once to a waiting poll, else to the next one. */
  offer: (...items: WorkItem[]) => void;
  /** Every work poll: the `wait` it asked for, and whether the device hung up before the answer. */
  readonly polls: { wait: string | null; hungUp: boolean }[];
  /** Every progress and result call, in order, as `<run> <kind>`. */
  readonly reports: string[];
  /** The result kept for each run: the first one sent. */
  readonly results: Map<string, RunResult>;
  /** When set, work polls get no answer at all. */
  silent: boolean;
  close: () => Promise<void>;
}

/**
 * A stand-in for the control plane's job dispatch to one device, speaking issue 22's wire contract: the long-polled
 * `GET /api/agent/work`, and `POST /api/agent/runs/:run/{progress,result}` (403 for a run of another device, 404
 * for an unknown one, the result idempotent). Every call must carry the access token and a DPoP proof bound to it,
 * checked with the server's own verifier.
 */
export async function startWorkServer(options: {
  settings: DpopSettings;
  accessToken: string;
  /** The device key's thumbprint, which the token is bound to. */
  jkt: string;
  /** Each known run, and the device it targets. */
  runs: Record<string, string>;
  deviceId: string;
}): Promise<WorkServer> {
  let queue: WorkItem[] = [];
  let waiting: (() => void) | undefined;
  const reply = (res: ServerResponse, status: number, body: object): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const failure = (res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ error: { code, message } }));
  };

  function authenticated(req: IncomingMessage, res: ServerResponse): boolean {
    const token = req.headers.authorization?.replace(/^DPoP /, '');
    if (token !== options.accessToken) {
      failure(res, 401, 'invalid_token', 'unknown access token', { 'www-authenticate': 'DPoP error="invalid_token"' });
      return false;
    }
    try {
      verifyDpopProof(
        {
          dpop: req.headersDistinct.dpop,
          method: req.method!,
          target: { protocol: 'http', host: req.headers.host!, url: req.url! },
          accessToken: { token, jkt: options.jkt },
        },
        options.settings,
      );
      return true;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      failure(res, 401, error.code, error.message, { 'www-authenticate': `DPoP error="${error.code}"` });
      return false;
    }
  }

  function poll(req: IncomingMessage, res: ServerResponse, wait: string | null): void {
    const seconds = wait === null ? 30 : Number(wait);
    const record = { wait, hungUp: false };
    server.polls.push(record);
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 60) return failure(res, 400, 'VALIDATION_FAILED', 'wait must be 0..60');
    let timer: NodeJS.Timeout | undefined;
    res.on('close', () => {
      if (res.writableEnded) return;
      record.hungUp = true;
      clearTimeout(timer);
      if (waiting === answer) waiting = undefined;
    });
    if (server.silent) return;
    function answer(): void {
      clearTimeout(timer);
      waiting = undefined;
      const items = queue;
      queue = [];
      reply(res, 200, { items });
    }
    if (queue.length > 0) return answer();
    timer = setTimeout(answer, seconds * 1000);
    waiting = answer;
  }

  function report(res: ServerResponse, runId: string, kind: string, body: any): void {
    server.reports.push(`${runId} ${kind}`);
    const target = options.runs[runId];
    if (target === undefined) return failure(res, 404, 'NOT_FOUND', `no run ${runId}`);
    if (target !== options.deviceId) return failure(res, 403, 'FORBIDDEN', `run ${runId} did not target this device`);
    if (kind === 'progress') return reply(res, 200, { status: 'running' });
    if (!server.results.has(runId)) server.results.set(runId, body as RunResult);
    reply(res, 200, { status: server.results.get(runId)!.outcome, late: false });
  }

  const server = {
    polls: [] as WorkServer['polls'],
    reports: [] as string[],
    results: new Map<string, RunResult>(),
    silent: false,
  };
  const http = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      if (!authenticated(req, res)) return;
      const url = new URL(req.url!, 'http://device.test');
      const run = /^\/api\/agent\/runs\/([^/]+)\/(progress|result)$/.exec(url.pathname);
      if (req.method === 'GET' && url.pathname === '/api/agent/work') poll(req, res, url.searchParams.get('wait'));
      else if (req.method === 'POST' && run) report(res, decodeURIComponent(run[1]!), run[2]!, JSON.parse(raw));
      else failure(res, 404, 'NOT_FOUND', `no route ${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return Object.assign(server, {
    baseUrl: `http://127.0.0.1:${port}`,
    offer: (...items: WorkItem[]) => {
      queue.push(...items);
      waiting?.();
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  });
}
