import { randomUUID, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Agent } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { pino } from 'pino';
import { closeDatabase } from '../src/core/db/database.js';
import { openMigratedDatabase } from '../src/core/db/open.js';
import type { DevServer } from '../src/core/temporal/dev-server.js';
import { parseCompactJws, proofAlgorithm, proofKey, verifySignature } from '../src/features/devices/dpop/proof-jws.js';
import { DpopReplayRepository } from '../src/features/devices/dpop/replay-repository.js';
import { jwkThumbprint } from '../src/features/devices/dpop/thumbprint.js';
import { accessTokenHash, verifyDpopProof } from '../src/features/devices/dpop/verify-proof.js';
import { DeviceRepository } from '../src/features/devices/repositories/devices.js';
import { DeviceService } from '../src/features/devices/registry/service.js';
import { issueAccessToken, verifyAccessToken } from '../src/features/devices/tokens/access-token.js';
import { DeviceTokenKeys, tokenKeysFile } from '../src/features/devices/tokens/signing-keys.js';
import { freePort } from '../test/support/ports.js';
import { dpopProof, enrollRequest, keepAlive, newDevice, poll, post, takeTokens } from './support/devices.js';
import type { BenchDevice, Reply } from './support/devices.js';
import { processCpu } from './support/process-cpu.js';
import type { ProcessCpu } from './support/process-cpu.js';
import { NO_LIMIT, startControlPlaneBase } from './support/control-plane.js';
import { serve } from './support/serve.js';
import type { Served } from './support/serve.js';
import { cpuTimes, stealPercent } from './support/steal.js';
import { BenchSettings } from './support/settings.js';
import { fixed, percentile, pool, sleep } from './support/measure.js';

const HELP = `npm run bench:devices [-- --quick]

Devices (issue 21), over HTTP against the real API, a real worker and a Temporal dev server, in one run:
  1. in-process micro-benchmark: verifyAccessToken, verifyDpopProof and their parts, in µs a call;
  2. rounds of slices, in turn first: a bare Fastify hello-world (the baseline), the same behind one Ed25519
     signature check (the floor of any endpoint that checks a proof), POST /api/agent/heartbeat with
     a fresh DPoP proof on every request (autocannon, proofs signed before the slice), POST /api/agent/token/refresh
     (one loop per device, each refreshing with its current token) and the hello-world again on that loop client;
  3. approval latency: from the return of POST /enrollments/:ref/approve to the poll that gets the credentials;
  4. mass enrollment: many devices on one auto-approving install code.
It prints ratios to the hello-world and never fails on a timing; it fails only if requests fail.

  --quick   smaller counts and shorter slices (about a minute)
  --help    this text

Environment (whole numbers ≥ 1): BENCH_ROUNDS, BENCH_SLICE_S, BENCH_CONNECTIONS, BENCH_DEVICES (heartbeat devices),
BENCH_APPROVALS, BENCH_MASS, BENCH_MASS_CONCURRENCY; BORG_TEMPORAL_CLI as for npm start.
`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(HELP);
  process.exit(0);
}
const unknown = args.filter((a) => a !== '--quick');
if (unknown.length > 0) {
  process.stderr.write(`bench:devices: unknown argument ${unknown.join(' ')}\n\n${HELP}`);
  process.exit(2);
}
const QUICK = args.includes('--quick');

const settings = new BenchSettings(QUICK);
const count = settings.count.bind(settings);
const badSettings = settings.problems;
const ROUNDS = count('BENCH_ROUNDS', 3, 1);
const SLICE_S = count('BENCH_SLICE_S', 5, 2);
const CONNECTIONS = count('BENCH_CONNECTIONS', 10, 10);
const DEVICES = count('BENCH_DEVICES', 16, 4);
const APPROVALS = count('BENCH_APPROVALS', 100, 20);
const MASS = count('BENCH_MASS', 1000, 100);
const MASS_CONCURRENCY = count('BENCH_MASS_CONCURRENCY', 32, 32);
const MICRO_CALLS = QUICK ? 3000 : 20_000;
if (badSettings.length > 0) {
  for (const line of badSettings) process.stderr.write(`bench:devices: ${line}\n`);
  process.exit(2);
}
/** Pause between polls that still find an enrollment pending, in the mass enrollment. */
const MASS_POLL_PAUSE_MS = 50;

// ---------------------------------------------------------------------------------------------- helpers

// The median of an even count is the mean of the middle two, unlike measure.ts's nearest rank.
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const ms = (n: number): string => `${fixed(n, n < 10 ? 1 : 0)} ms`;

/** Microseconds a call of `fn`, over `calls` calls after a tenth as many to warm up: the median of five batches. */
async function microseconds(calls: number, fn: (i: number) => unknown): Promise<number> {
  const warm = Math.ceil(calls / 10);
  for (let i = 0; i < warm; i++) {
    const r = fn(i);
    if (r instanceof Promise) await r;
  }
  const batch = Math.floor(calls / 5);
  const perCall: number[] = [];
  for (let b = 0; b < 5; b++) {
    const t0 = performance.now();
    for (let i = warm + b * batch; i < warm + (b + 1) * batch; i++) {
      const r = fn(i);
      if (r instanceof Promise) await r;
    }
    perCall.push(((performance.now() - t0) * 1000) / batch);
  }
  return median(perCall);
}

// ----------------------------------------------------------------------------- 1. micro-benchmark

interface Micro {
  rows: [string, number][];
  /** The heartbeat's own steps on the request thread, summed. */
  heartbeatSteps: number;
}

/** The signature checks and the database steps of a heartbeat, in this process, before any server runs. */
async function microBenchmark(): Promise<Micro> {
  const dir = mkdtempSync(join(tmpdir(), 'borg-bench-micro-'));
  const db = openMigratedDatabase({ file: join(dir, 'borg.db'), autoMigrate: true, log: pino({ level: 'silent' }) });
  try {
    const keys = DeviceTokenKeys.open(tokenKeysFile(dir));
    const audience = { issuer: 'urn:borgos:bench', audience: 'urn:borgos:bench#devices' };
    const device = newDevice('micro');
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: device.x } as const;
    const jkt = jwkThumbprint(jwk);
    const now = new Date().toISOString();
    const devices = new DeviceRepository(db);
    devices.insert({
      id: 'dev_micro',
      fingerprint: 'f'.repeat(64),
      public_key: device.spki,
      jkt,
      hostname: 'micro',
      tags: '[]',
      profile: null,
      status: 'active',
      token_version: 0,
      enrollment_reference: 'enr_micro',
      enrolled_at: now,
      status_changed_at: now,
      status_reason: null,
      last_seen_at: null,
      inventory: null,
    });
    const registry = new DeviceService(db, { heartbeatIntervalS: 60, offlineAfterMissed: 3 });
    const { token } = await issueAccessToken(keys, audience, { deviceId: 'dev_micro', tokenVersion: 0, jkt });
    takeTokens(device, { access_token: token, refresh_token: '' });
    const htu = 'http://127.0.0.1:1/api/agent/heartbeat';
    const n = MICRO_CALLS;
    const total = n + Math.ceil(n / 10);
    const proofs = Array.from({ length: total }, () => dpopProof(device, 'POST', htu, true));
    const parsed = proofs.map((p) => parseCompactJws(p));
    const key = proofKey(parsed[0]!.header, 'EdDSA').key;
    const replays = new DpopReplayRepository(db);
    const settings = { replays, iatWindowS: 60 };
    const target = { protocol: 'http', host: '127.0.0.1:1', url: '/api/agent/heartbeat' };
    const expires = new Date(Date.now() + 60_000).toISOString();
    const inventory = heartbeatBody;

    const row = (name: string, us: number): [string, number] => [name, us];
    const accessToken = row(
      'verifyAccessToken (jose jwtVerify, EdDSA)',
      await microseconds(n, () => verifyAccessToken(keys, token, audience)),
    );
    const proof = row(
      'verifyDpopProof, all of it',
      await microseconds(n, (i) => verifyDpopProof({ dpop: proofs[i], method: 'POST', target, accessToken: { token, jkt } }, settings)),
    );
    const parse = row('  parseCompactJws (regex, 2× base64url + JSON)', await microseconds(n, (i) => parseCompactJws(proofs[i]!)));
    const importKey = row(
      '  proofKey: header jwk → KeyObject (cached per key)',
      await microseconds(n, (i) => proofKey(parsed[i]!.header, proofAlgorithm(parsed[i]!.header))),
    );
    const signature = row('  verifySignature (Ed25519)', await microseconds(n, (i) => verifySignature(parsed[i]!, 'EdDSA', key)));
    const thumbprint = row('  jwkThumbprint (SHA-256)', await microseconds(n, () => jwkThumbprint(jwk)));
    const ath = row('  accessTokenHash (SHA-256 of the token)', await microseconds(n, () => accessTokenHash(token)));
    const replay = row(
      '  replay store: INSERT the jti (SQLite)',
      await microseconds(n, () => replays.firstUse(jkt, randomUUID(), expires)),
    );
    const authRow = row('DeviceRepository.authRow (SELECT)', await microseconds(n, () => devices.authRow('dev_micro')));
    const heartbeat = row(
      'DeviceService.heartbeat (UPDATE + SELECT + view)',
      await microseconds(n, () => registry.heartbeat('dev_micro', inventory)),
    );
    const floor = Buffer.from(parsed[0]!.signingInput);
    const rawVerify = row(
      'for scale: Ed25519 verify alone, key already imported',
      await microseconds(n, () => verify(null, floor, key, parsed[0]!.signature)),
    );
    const { privateKey } = generateKeyPairSync('ed25519');
    const rawSign = row('for scale: Ed25519 sign alone', await microseconds(n, () => sign(null, floor, privateKey)));
    const issue = row(
      'issueAccessToken (refresh: jose SignJWT, EdDSA)',
      await microseconds(Math.ceil(n / 4), () => issueAccessToken(keys, audience, { deviceId: 'dev_micro', tokenVersion: 0, jkt })),
    );
    return {
      rows: [accessToken, proof, parse, importKey, signature, thumbprint, ath, replay, authRow, heartbeat, rawVerify, rawSign, issue],
      heartbeatSteps: accessToken[1] + proof[1] + authRow[1] + heartbeat[1],
    };
  } finally {
    closeDatabase(db);
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------- 2. load slices

const heartbeatBody = {
  agent_version: '1.4.2',
  os: 'Debian GNU/Linux 13 (trixie)',
  kernel: '6.12.38+deb13-amd64',
  profile: 'edge-iot',
  uptime_s: 86_400,
  services: [
    { name: 'borg-agent.service', state: 'active' },
    { name: 'ssh.service', state: 'active' },
  ],
};

/** One measured slice of load. */
interface Slice {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU per answered request, µs: all its threads, and its request thread. */
  cpu: ProcessCpu | null;
  steal: number | null;
  failed: number;
  /** Heartbeat proofs that ran out and were signed during the slice (should be 0). */
  signedLate?: number;
}

async function measured(name: string, pid: number, run: () => Promise<Omit<Slice, 'name' | 'cpu' | 'steal'> & { answered: number }>) {
  const before = cpuTimes();
  const cpuBefore = processCpu(pid);
  const r = await run();
  const cpuAfter = processCpu(pid);
  const cpu =
    cpuBefore && cpuAfter && r.answered > 0
      ? { all: (cpuAfter.all - cpuBefore.all) / r.answered, main: (cpuAfter.main - cpuBefore.main) / r.answered }
      : null;
  const { answered: _answered, ...rest } = r;
  return { name, ...rest, cpu, steal: stealPercent(before, cpuTimes()) } satisfies Slice;
}

const fromAutocannon = (r: autocannon.Result) => ({
  rps: r.requests.average,
  p50: r.latency.p50,
  p99: r.latency.p99,
  failed: r.non2xx + r.errors + r.timeouts,
  answered: r.requests.total,
});

/** Heartbeat requests signed ahead: each an access token and a fresh proof bound to it. */
class ProofSupply {
  private items: { authorization: string; dpop: string }[] = [];
  private next = 0;
  signedLate = 0;

  constructor(
    private readonly devices: BenchDevice[],
    private readonly htu: string,
  ) {}

  fill(count: number): void {
    this.items = Array.from({ length: count }, (_, i) => this.sign(this.devices[i % this.devices.length]!));
    this.next = 0;
    this.signedLate = 0;
  }

  private sign(device: BenchDevice) {
    return { authorization: `DPoP ${device.accessToken}`, dpop: dpopProof(device, 'POST', this.htu, true) };
  }

  take(): { authorization: string; dpop: string } {
    if (this.next < this.items.length) return this.items[this.next++]!;
    this.signedLate++;
    return this.sign(this.devices[this.signedLate % this.devices.length]!);
  }
}

function autocannonLoad(
  url: string,
  body: unknown,
  durationS: number,
  supply?: ProofSupply,
  headers: Record<string, string> = {},
): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    connections: CONNECTIONS,
    duration: durationS,
    ...(supply
      ? { requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, headers: { ...req.headers, ...supply.take() } }) }] }
      : {}),
  });
}

interface LoopResult {
  rps: number;
  p50: number;
  p99: number;
  failed: number;
  answered: number;
}

/** `n` loops, each awaiting `step(i)` back to back until the time is up; a step that fails ends its loop. */
async function loops(n: number, durationS: number, step: (i: number) => Promise<boolean>): Promise<LoopResult> {
  const latencies: number[] = [];
  let failed = 0;
  const start = performance.now();
  const deadline = start + durationS * 1000;
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const ok = await step(i).catch(() => false);
        if (!ok) {
          failed++;
          return;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsedS = (performance.now() - start) / 1000;
  return {
    rps: latencies.length / elapsedS,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failed,
    answered: latencies.length + failed,
  };
}

/** A device's refresh proofs (no `ath` at the token endpoint), signed ahead of its slice. */
interface Refresher {
  device: BenchDevice;
  proofs: string[];
}

async function refreshLoops(base: string, refreshers: Refresher[], durationS: number): Promise<LoopResult & { signedLate: number }> {
  const agent = keepAlive(refreshers.length);
  const url = `${base}/api/agent/token/refresh`;
  let signedLate = 0;
  try {
    const result = await loops(refreshers.length, durationS, async (i) => {
      const r = refreshers[i]!;
      let proof = r.proofs.pop();
      if (proof === undefined) {
        signedLate++;
        proof = dpopProof(r.device, 'POST', url, false);
      }
      const reply = await post(agent, url, { refresh_token: r.device.refreshToken }, { dpop: proof });
      if (reply.status !== 200) return false;
      takeTokens(r.device, reply.body);
      return true;
    });
    return { ...result, signedLate };
  } finally {
    agent.destroy();
  }
}

async function helloLoops(url: string, durationS: number): Promise<LoopResult> {
  const agent = keepAlive(CONNECTIONS);
  try {
    return await loops(CONNECTIONS, durationS, async () => (await post(agent, url, {})).status === 200);
  } finally {
    agent.destroy();
  }
}

function sliceLine(s: Slice): string {
  const cpu = s.cpu ? `cpu ${fixed(s.cpu.all, 1).padStart(6)} µs/req (request thread ${fixed(s.cpu.main, 1).padStart(6)})` : 'cpu n/a';
  const late = s.signedLate ? `   signed during the slice ${s.signedLate}` : '';
  const steal = s.steal === null ? 'n/a' : `${fixed(s.steal)}%`;
  return `  ${s.name.padEnd(34)} ${fixed(s.rps).padStart(7)} req/s   p50 ${ms(s.p50).padStart(7)}   p99 ${ms(s.p99).padStart(7)}   ${cpu}   steal ${steal.padStart(4)}   failed ${s.failed}${late}`;
}

// ------------------------------------------------------------------------------------------ the stack

interface Stack {
  base: string;
  helloUrl: string;
  /** The hello-world behind one signature check, and a signature it accepts. */
  floor: { url: string; signature: string };
  adminKey: string;
  api: Served;
  worker: Served;
  hello: Served;
  temporal: DevServer;
  dirs: string[];
}

async function startStack(): Promise<Stack> {
  const { temporalDir, dataDir, temporal, adminKey, apiPort, env } = await startControlPlaneBase();
  const helloPort = await freePort();
  // A message as long as a heartbeat proof's signing input: Ed25519 hashes it whole.
  const floorMessage = 'p'.repeat(
    dpopProof(newDevice('floor'), 'POST', `http://127.0.0.1:${apiPort}/api/agent/heartbeat`, true).lastIndexOf('.'),
  );
  const floorKeys = generateKeyPairSync('ed25519');
  const [api, worker, hello] = await Promise.all([
    serve('src/main/api.ts', env, /API ready/),
    serve('src/main/worker.ts', env, /worker polling/),
    serve(
      'bench/support/hello-server.ts',
      {
        PORT: String(helloPort),
        HELLO_VERIFY_KEY: floorKeys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
        HELLO_VERIFY_MESSAGE: floorMessage,
      },
      /listening/,
    ),
  ]);
  return {
    base: `http://127.0.0.1:${apiPort}`,
    helloUrl: `http://127.0.0.1:${helloPort}/hello`,
    floor: {
      url: `http://127.0.0.1:${helloPort}/hello-verified`,
      signature: sign(null, Buffer.from(floorMessage), floorKeys.privateKey).toString('base64url'),
    },
    adminKey,
    api,
    worker,
    hello,
    temporal,
    dirs: [temporalDir, dataDir],
  };
}

async function installCode(stack: Stack, agent: Agent, maxUses: number, autoApprove: boolean): Promise<string> {
  const reply = await post(
    agent,
    `${stack.base}/install-codes`,
    { ttl_s: 3600, max_uses: maxUses, tags: ['bench'], auto_approve: autoApprove },
    { authorization: `Bearer ${stack.adminKey}` },
  );
  if (reply.status !== 201) throw new Error(`install code: ${reply.status} ${JSON.stringify(reply.body)}`);
  return String(reply.body.code);
}

interface Enrolled {
  requests: number;
  /** Requests whose answer said approved already. */
  approvedAtRequest: number;
  polls: number;
  failed: string[];
  /** Per device, ms from its request to its credentials. */
  latencies: number[];
  /** Per device, ms the enroll request call took (an auto-approving code makes it wait for the approval). */
  requestMs: number[];
}

/** Request, then poll until approved, for every device, `concurrency` at once. */
async function enrollAll(base: string, devices: BenchDevice[], code: string, concurrency: number, pauseMs: number): Promise<Enrolled> {
  const agent = keepAlive(concurrency);
  const out: Enrolled = { requests: 0, approvedAtRequest: 0, polls: 0, failed: [], latencies: [], requestMs: [] };
  try {
    await pool(devices, concurrency, async (device) => {
      const t0 = performance.now();
      out.requests++;
      const req = await enrollRequest(agent, base, device, code);
      out.requestMs.push(performance.now() - t0);
      if (req.status !== 200) {
        out.failed.push(`request ${req.status} ${JSON.stringify(req.body)}`);
        return;
      }
      if (req.body.status === 'approved') out.approvedAtRequest++;
      for (;;) {
        out.polls++;
        const reply: Reply = await poll(agent, base, device);
        if (reply.status === 200 && reply.body.status === 'approved') break;
        if (reply.status !== 200 || reply.body.status !== 'pending') {
          out.failed.push(`poll ${reply.status} ${JSON.stringify(reply.body)}`);
          return;
        }
        await sleep(pauseMs);
      }
      out.latencies.push(performance.now() - t0);
    });
  } finally {
    agent.destroy();
  }
  return out;
}

// --------------------------------------------------------------------------------------------- the run

console.log(
  `bench:devices${QUICK ? ' --quick' : ''}: ${cpus().length} CPUs, Node ${process.version}; ${ROUNDS} rounds of ${SLICE_S}-second slices, ${CONNECTIONS} connections; ${DEVICES} heartbeat devices`,
);
console.log('\n1. In-process micro-benchmark (this process, no server running; wall time a call, median of 5 batches)');
const micro = await microBenchmark();
for (const [name, us] of micro.rows) console.log(`  ${name.padEnd(54)} ${fixed(us, 1).padStart(7)} µs`);

const stack = await startStack();
const pids = { api: stack.api.child.pid!, worker: stack.worker.child.pid!, hello: stack.hello.child.pid!, temporal: stack.temporal.pid };
let failures = 0;
try {
  console.log(
    `\nStack: API and worker in child processes of their own (src/main/api.ts, src/main/worker.ts), Temporal dev server, hello-world (bench/support/hello-server.ts, POST /hello and POST /hello-verified)`,
  );
  console.log(
    `  BORG_ENROLL_RATE_PER_KEY=${NO_LIMIT} and BORG_ENROLL_RATE_PER_ADDRESS=${NO_LIMIT}: the enrollment limiter never refuses in this run`,
  );
  console.log(
    "  CPU per request: the server process's user+system time from /proc/<pid>/stat (10 ms ticks) over the slice, ÷ requests answered",
  );
  const agent = keepAlive(8);
  const heartbeatUrl = `${stack.base}/api/agent/heartbeat`;
  const refreshUrl = `${stack.base}/api/agent/token/refresh`;

  // Devices for the heartbeats, and one fresh set per refresh slice (a slice that ends mid-request leaves a device
  // whose server side has rotated while it has not seen the answer: that device cannot refresh again).
  const refreshSets = ROUNDS + 1;
  const setup = Array.from({ length: DEVICES + refreshSets * CONNECTIONS }, (_, i) => newDevice(`bench-load-${i}`));
  const loadCode = await installCode(stack, agent, setup.length, true);
  const setupRun = await enrollAll(stack.base, setup, loadCode, 8, 50);
  if (setupRun.failed.length > 0) throw new Error(`enrolling the load devices failed: ${setupRun.failed.slice(0, 3).join('; ')}`);
  const heartbeatDevices = setup.slice(0, DEVICES);
  const refreshSet = (n: number) => setup.slice(DEVICES + n * CONNECTIONS, DEVICES + (n + 1) * CONNECTIONS);

  const probe = await post(agent, heartbeatUrl, heartbeatBody, {
    authorization: `DPoP ${heartbeatDevices[0]!.accessToken}`,
    dpop: dpopProof(heartbeatDevices[0]!, 'POST', heartbeatUrl, true),
  });
  if (probe.status !== 200) throw new Error(`the probe heartbeat was refused: ${probe.status} ${JSON.stringify(probe.body)}`);

  const supply = new ProofSupply(heartbeatDevices, heartbeatUrl);
  // Rates that size the proofs signed ahead of a slice; the warm-up and every slice raise them to what they saw.
  let heartbeatRate = 8000;
  let refreshRate = 3000;
  const refreshers = (set: number): Refresher[] =>
    refreshSet(set).map((device) => ({
      device,
      proofs: Array.from({ length: Math.ceil((refreshRate * SLICE_S * 1.5) / CONNECTIONS) + 5 }, () =>
        dpopProof(device, 'POST', refreshUrl, false),
      ),
    }));

  const runHello = () =>
    measured('hello-world (autocannon)', pids.hello, async () => fromAutocannon(await autocannonLoad(stack.helloUrl, {}, SLICE_S)));
  const runFloor = () =>
    measured('hello-world + 1 Ed25519 verify', pids.hello, async () =>
      fromAutocannon(await autocannonLoad(stack.floor.url, {}, SLICE_S, undefined, { 'x-signature': stack.floor.signature })),
    );
  const runHeartbeat = async () => {
    supply.fill(Math.ceil(heartbeatRate * 1.5 * SLICE_S) + 2 * CONNECTIONS);
    const s = await measured('POST /api/agent/heartbeat (DPoP)', pids.api, async () =>
      fromAutocannon(await autocannonLoad(heartbeatUrl, heartbeatBody, SLICE_S, supply)),
    );
    heartbeatRate = Math.max(heartbeatRate, s.rps);
    return { ...s, signedLate: supply.signedLate };
  };
  let set = 0;
  const runRefresh = async () => {
    const r = refreshers(set++);
    let signedLate = 0;
    const s = await measured('POST /api/agent/token/refresh', pids.api, async () => {
      const result = await refreshLoops(stack.base, r, SLICE_S);
      signedLate = result.signedLate;
      return result;
    });
    refreshRate = Math.max(refreshRate, s.rps);
    return { ...s, signedLate };
  };
  const runHelloLoops = () => measured('hello-world (loop client)', pids.hello, () => helloLoops(stack.helloUrl, SLICE_S));

  // Warm-up: JIT, prepared statements, sockets; its figures size the proofs signed ahead.
  await runHello();
  await runFloor();
  await runHelloLoops();
  await runHeartbeat();
  await runRefresh();

  console.log(
    `\n2. Load: ${ROUNDS} rounds; autocannon and the loop client run in this process, the servers in theirs. The loop client (node:http, keep-alive,`,
  );
  console.log(
    `   ${CONNECTIONS} loops) drives the refreshes, one device per loop, each sending its current refresh token; the hello-world is measured on it too.`,
  );
  const kinds = ['hello', 'floor', 'heartbeat', 'refresh', 'helloLoops'] as const;
  const rounds: Record<(typeof kinds)[number], Slice>[] = [];
  const runners = { hello: runHello, floor: runFloor, heartbeat: runHeartbeat, refresh: runRefresh, helloLoops: runHelloLoops };
  for (let n = 0; n < ROUNDS; n++) {
    const order = [...kinds.slice(n % kinds.length), ...kinds.slice(0, n % kinds.length)];
    const got: Partial<Record<(typeof kinds)[number], Slice>> = {};
    for (const kind of order) got[kind] = await runners[kind]();
    const round = got as Record<(typeof kinds)[number], Slice>;
    rounds.push(round);
    failures += round.heartbeat.failed + round.refresh.failed;
    console.log(
      `round ${n + 1}: heartbeat ÷ hello-world ${fixed(round.heartbeat.rps / round.hello.rps, 2)} (floor ${fixed(round.floor.rps / round.hello.rps, 2)}; heartbeat ÷ floor ${fixed(round.heartbeat.rps / round.floor.rps, 2)}), refresh ÷ hello-world ${fixed(round.refresh.rps / round.hello.rps, 2)} (÷ hello-world on the loop client ${fixed(round.refresh.rps / round.helloLoops.rps, 2)})`,
    );
    for (const kind of order) console.log(sliceLine(round[kind]));
  }

  // ----------------------------------------------------------------------------- 3. approval latency
  console.log(`\n3. Approval latency, ${APPROVALS} enrollments on a code that does not auto-approve, approved one after another`);
  const pending = Array.from({ length: APPROVALS }, (_, i) => newDevice(`bench-approve-${i}`));
  const manualCode = await installCode(stack, agent, APPROVALS, false);
  await pool(pending, 8, async (device) => {
    const reply = await enrollRequest(agent, stack.base, device, manualCode);
    if (reply.status !== 200 || reply.body.status !== 'pending') {
      throw new Error(`enroll request: ${reply.status} ${JSON.stringify(reply.body)}`);
    }
  });
  await sleep(1000); // let the enrollment flows start before the first approval
  const approveMs: number[] = [];
  const credentialsMs: number[] = [];
  let pendingPolls = 0;
  for (const device of pending) {
    const t0 = performance.now();
    const approved = await post(
      agent,
      `${stack.base}/enrollments/${device.reference}/approve`,
      {},
      { authorization: `Bearer ${stack.adminKey}` },
    );
    const t1 = performance.now();
    if (approved.status !== 200) {
      failures++;
      console.log(`  approve ${device.reference}: ${approved.status} ${JSON.stringify(approved.body)}`);
      continue;
    }
    for (;;) {
      const reply = await poll(agent, stack.base, device);
      if (reply.status === 200 && reply.body.status === 'pending') {
        pendingPolls++;
        continue;
      }
      if (reply.status !== 200 || reply.body.status !== 'approved') {
        failures++;
        console.log(`  poll ${device.reference}: ${reply.status} ${JSON.stringify(reply.body)}`);
      }
      break;
    }
    approveMs.push(t1 - t0);
    credentialsMs.push(performance.now() - t1);
  }
  const dist = (v: number[]) =>
    `p50 ${ms(percentile(v, 50))}   p95 ${ms(percentile(v, 95))}   p99 ${ms(percentile(v, 99))}   max ${ms(Math.max(...v))}`;
  console.log(
    `  approve return → credentials:  ${dist(credentialsMs)}   (goal p99 ≤ 250 ms); polls that found it still pending: ${pendingPolls}`,
  );
  console.log(`  the approve call itself:       ${dist(approveMs)}`);

  // ------------------------------------------------------------------------------- 4. mass enrollment
  console.log(
    `\n4. Mass enrollment: ${MASS} devices on one auto-approving code (max_uses ${MASS}), ${MASS_CONCURRENCY} at once: request, then poll until approved (${MASS_POLL_PAUSE_MS} ms between polls that find it pending)`,
  );
  const crowd = Array.from({ length: MASS }, (_, i) => newDevice(`bench-mass-${i}`));
  const massCode = await installCode(stack, agent, MASS, true);
  const cpuBefore = { api: processCpu(pids.api), worker: processCpu(pids.worker), temporal: processCpu(pids.temporal) };
  const t0 = performance.now();
  const mass = await enrollAll(stack.base, crowd, massCode, MASS_CONCURRENCY, MASS_POLL_PAUSE_MS);
  const massS = (performance.now() - t0) / 1000;
  const cpuAfter = { api: processCpu(pids.api), worker: processCpu(pids.worker), temporal: processCpu(pids.temporal) };
  const perEnrollment = (k: keyof typeof cpuBefore) => {
    const a = cpuBefore[k];
    const b = cpuAfter[k];
    return a && b ? `${fixed((b.all - a.all) / 1000 / MASS, 1)} ms` : 'n/a';
  };
  failures += mass.failed.length;
  for (const line of mass.failed.slice(0, 5)) console.log(`  failed: ${line}`);
  console.log(
    `  ${MASS - mass.failed.length} of ${MASS} enrolled in ${fixed(massS, 1)} s: ${fixed(MASS / massS, 1)} enrollments/s; ${mass.requests} requests + ${mass.polls} polls = ${fixed((mass.requests + mass.polls) / massS, 1)} req/s`,
  );
  console.log(`  request → credentials per device: ${dist(mass.latencies)}`);
  console.log(
    `  of which the request call:        ${dist(mass.requestMs)}; answered approved already: ${mass.approvedAtRequest} of ${mass.requests}`,
  );
  console.log(
    `  CPU per enrollment, all threads: API ${perEnrollment('api')}, worker ${perEnrollment('worker')}, Temporal server ${perEnrollment('temporal')}`,
  );
  agent.destroy();

  // ---------------------------------------------------------------------------------------- summary
  const med = (kind: (typeof kinds)[number], f: (s: Slice) => number | null) =>
    median(
      rounds.flatMap((r) => {
        const v = f(r[kind]);
        return v === null ? [] : [v];
      }),
    );
  const ratio = (kind: 'floor' | 'heartbeat' | 'refresh', base: 'hello' | 'floor' | 'helloLoops' = 'hello') =>
    median(rounds.map((r) => r[kind].rps / r[base].rps));
  const cpuOf = (kind: (typeof kinds)[number]) =>
    `${fixed(
      med(kind, (s) => s.cpu?.all ?? null),
      1,
    )} µs (request thread ${fixed(
      med(kind, (s) => s.cpu?.main ?? null),
      1,
    )})`;
  /** Hello-world's server CPU per request over this one's, all threads: the throughput ratio the CPU alone allows. */
  const cpuRatio = (kind: 'heartbeat' | 'refresh') =>
    median(rounds.flatMap((r) => (r.hello.cpu && r[kind].cpu ? [r.hello.cpu.all / r[kind].cpu.all] : [])));
  console.log(`\nSummary (medians over ${rounds.length} rounds)`);
  const table: [string, string, string, string][] = [
    ['measure', 'value', 'ratio to hello-world', 'goal'],
    ['hello-world, autocannon', `${fixed(med('hello', (s) => s.rps))} req/s, server CPU ${cpuOf('hello')}/req`, '1.00', ''],
    [
      'the floor: hello-world + 1 Ed25519 verify',
      `${fixed(med('floor', (s) => s.rps))} req/s, server CPU ${cpuOf('floor')}/req`,
      fixed(ratio('floor'), 2),
      '',
    ],
    [
      'heartbeat (DPoP), autocannon',
      `${fixed(med('heartbeat', (s) => s.rps))} req/s`,
      `${fixed(ratio('heartbeat'), 2)} (${fixed(ratio('heartbeat', 'floor'), 2)} of the floor)`,
      '≥ 0.30',
    ],
    ['  latency', `p50 ${ms(med('heartbeat', (s) => s.p50))}, p99 ${ms(med('heartbeat', (s) => s.p99))}`, '', ''],
    ['  API CPU per heartbeat', cpuOf('heartbeat'), `CPU ratio ${fixed(cpuRatio('heartbeat'), 2)}`, ''],
    ['  of which signatures + DB (micro)', `${fixed(micro.heartbeatSteps, 1)} µs`, '', ''],
    [
      'token refresh, loop client',
      `${fixed(med('refresh', (s) => s.rps))} refreshes/s`,
      `${fixed(ratio('refresh'), 2)} (${fixed(ratio('refresh', 'helloLoops'), 2)} on the loop client)`,
      '',
    ],
    ['  latency', `p50 ${ms(med('refresh', (s) => s.p50))}, p99 ${ms(med('refresh', (s) => s.p99))}`, '', ''],
    ['  API CPU per refresh', cpuOf('refresh'), `CPU ratio ${fixed(cpuRatio('refresh'), 2)}`, ''],
    [
      'approve return → credentials',
      `p50 ${ms(percentile(credentialsMs, 50))}, p95 ${ms(percentile(credentialsMs, 95))}, p99 ${ms(percentile(credentialsMs, 99))}, max ${ms(Math.max(...credentialsMs))}`,
      '',
      'p99 ≤ 250 ms',
    ],
    [
      `mass enrollment, ${MASS} devices`,
      `${fixed(massS, 1)} s, ${fixed((mass.requests + mass.polls) / massS, 1)} req/s, ${fixed(MASS / massS, 1)} enrollments/s`,
      '',
      '',
    ],
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...table.map((r) => r[c]!.length)));
  for (const r of table) console.log(`  ${r[0].padEnd(widths[0]!)}  ${r[1].padEnd(widths[1]!)}  ${r[2].padEnd(widths[2]!)}  ${r[3]}`);
  if (failures > 0) {
    console.log(`\n${failures} requests failed; the figures above are not valid`);
    process.exitCode = 1;
  }
} finally {
  await Promise.all([stack.api.stop(), stack.worker.stop(), stack.hello.stop()]);
  await stack.temporal.stop();
  for (const dir of stack.dirs) rmSync(dir, { recursive: true, force: true });
}
