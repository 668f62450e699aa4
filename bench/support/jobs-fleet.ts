import { createHash, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { verifyJobPayload, jobSigningKey } from '../../device/client/job-payload.js';
import { dpopProof, send } from './devices.js';
import type { BenchDevice } from './devices.js';

/**
 * A fleet of simulated devices in one process, for the fan-out of bench:jobs: each device long-polls
 * `GET /api/agent/work` with a fresh DPoP proof, verifies every payload as the device library does, reports
 * `running` and then a result at once (a script of 0 s), and polls again. It talks to the bench over IPC:
 *   → { type: 'ready' }       every device has checked its credentials and sent its first long poll
 *   ← { type: 'report' }      → { type: 'report', items, failures }: what happened since the last report
 *   ← { type: 'stop' }        drop the polls and exit
 * Usage: node --import tsx bench/support/jobs-fleet.ts <credentials.json>, forked with IPC.
 */

export interface FleetCredentials {
  base: string;
  /** The job-signing key the devices learned at enrollment (base64 SPKI DER). */
  signingKey: string;
  devices: { deviceId: string; accessToken: string; privateKeyPem: string; x: string }[];
}

/** One work item as a device handled it; times are epoch milliseconds. */
export interface FleetItem {
  deviceId: string;
  runId: string;
  receivedAt: number;
  resultAt: number;
}

export type FleetMessage = { type: 'ready' } | { type: 'report'; items: FleetItem[]; failures: string[] };

/** Seconds a device's long poll waits for work. */
const WAIT_S = 30;
/** Pause before a refused call is sent again (the API says Retry-After: 1 with a 503). */
const RETRY_MS = 1000;
/** Tries of a progress or result report. */
const REPORT_TRIES = 5;

const credentials = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as FleetCredentials;
const signingKey = jobSigningKey(credentials.signingKey);
const agent = new Agent({ keepAlive: true, maxSockets: credentials.devices.length + 8 });
let items: FleetItem[] = [];
let failures: string[] = [];
let stopping = false;

interface WorkItem {
  run_id: string;
  job_id: string;
  payload: string;
}

/** An answer of the API; the fields the fleet reads of its 2xx bodies, all optional. */
interface Reply {
  status: number;
  body: { items?: WorkItem[]; status?: string };
}

/** One call of a device: its access token and a fresh proof for the path (the proof's htu has no query). */
function call(device: BenchDevice, method: 'GET' | 'POST', path: string, query = '', body?: unknown, onSent?: () => void): Promise<Reply> {
  const url = `${credentials.base}${path}`;
  const headers = { authorization: `DPoP ${device.accessToken}`, dpop: dpopProof(device, method, url, true) };
  return send(agent, method, url, { query, body, headers, ...(onSent ? { onSent } : {}) });
}

const fail = (device: BenchDevice, what: string, reply: Reply) =>
  failures.push(`${device.deviceId}: ${what} ${reply.status} ${JSON.stringify(reply.body).slice(0, 200)}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A report sent again after a pause while the API is busy (503) or unreachable, as a device would: each refusal is
 * counted as a failure, and the report still gets through, so one refusal does not turn into a timed-out device.
 */
async function retried(device: BenchDevice, what: string, send: () => Promise<Reply>): Promise<Reply> {
  for (let attempt = 1; ; attempt++) {
    const reply = await send().catch((err: Error): Reply => ({ status: 0, body: { status: err.message } }));
    if ((reply.status !== 0 && reply.status < 500) || attempt === REPORT_TRIES || stopping) return reply;
    fail(device, `${what} (tried again)`, reply);
    await sleep(RETRY_MS);
  }
}

/** Runs one work item: checks the payload, says running, reports success. */
async function handle(device: BenchDevice, item: WorkItem): Promise<void> {
  const receivedAt = Date.now();
  try {
    const job = verifyJobPayload(item.payload, { signingKey, deviceId: device.deviceId! });
    if (job.runId !== item.run_id) throw new Error(`the payload names run ${job.runId}, the item ${item.run_id}`);
  } catch (err) {
    failures.push(`${device.deviceId}: payload refused: ${(err as Error).message}`);
    return;
  }
  const runPath = `/api/agent/runs/${encodeURIComponent(item.run_id)}`;
  const progress = await retried(device, 'progress', () => call(device, 'POST', `${runPath}/progress`, '', { state: 'running' }));
  if (progress.status !== 200) return void fail(device, 'progress', progress);
  const now = new Date().toISOString();
  const result = await retried(device, 'result', () =>
    call(device, 'POST', `${runPath}/result`, '', {
      outcome: 'succeeded',
      exit_code: 0,
      signal: null,
      stdout: 'ok',
      stderr: '',
      stdout_truncated: false,
      stderr_truncated: false,
      started_at: now,
      finished_at: now,
    }),
  );
  if (result.status !== 200 || result.body.status !== 'succeeded') return void fail(device, 'result', result);
  items.push({ deviceId: device.deviceId!, runId: item.run_id, receivedAt, resultAt: Date.now() });
}

// Ready once every device has sent its first long poll, or failed before it (its failure is in the next report).
let settled = 0;
const settle = () => {
  if (++settled === credentials.devices.length) process.send!({ type: 'ready' } satisfies FleetMessage);
};

async function live(device: BenchDevice): Promise<void> {
  let counted = false;
  const ready = () => {
    if (!counted) settle();
    counted = true;
  };
  // A call that does not wait proves the credentials before any run is triggered.
  const check = await call(device, 'GET', '/api/agent/work', '?wait=0').catch((err: Error): Reply => ({
    status: 0,
    body: { status: err.message },
  }));
  if (check.status !== 200) {
    ready();
    return void fail(device, 'first work call', check);
  }
  let first = true;
  while (!stopping) {
    const reply = await call(device, 'GET', '/api/agent/work', `?wait=${WAIT_S}`, undefined, first ? ready : undefined).catch(
      (err: Error): Reply => ({ status: 0, body: { status: err.message } }),
    );
    ready();
    first = false;
    if (stopping) return;
    if (reply.status !== 200) {
      // Counted, then polled again after a pause, as a device would: one refused call does not end a device.
      fail(device, 'work', reply);
      await sleep(RETRY_MS);
      continue;
    }
    for (const item of reply.body.items ?? []) await handle(device, item);
  }
}

process.on('message', (message: { type: string }) => {
  if (message.type === 'report') {
    process.send!({ type: 'report', items, failures } satisfies FleetMessage);
    items = [];
    failures = [];
  } else if (message.type === 'stop') {
    stopping = true;
    agent.destroy();
    process.disconnect();
  }
});

const devices: BenchDevice[] = credentials.devices.map((d) => ({
  privateKey: createPrivateKey(d.privateKeyPem),
  spki: '',
  x: d.x,
  hostname: d.deviceId,
  deviceId: d.deviceId,
  accessToken: d.accessToken,
  ath: createHash('sha256').update(d.accessToken).digest('base64url'),
}));
await Promise.all(
  devices.map((d) =>
    live(d).catch((err: unknown) => {
      if (!stopping) failures.push(`${d.deviceId}: ${(err as Error).message}`);
    }),
  ),
);
