import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../test/support/ports.js';
import { seedGrantedEngine } from '../test/support/seed.js';
import { serve } from './support/serve.js';
import { processCpu } from './support/process-cpu.js';
import { cpuTimes, stealPercent } from './support/steal.js';

/**
 * `npm run bench:check`: /actions/check (engine auth, policy, decision-log write, over HTTP)
 * against a bare Fastify hello-world measured in the same run. Targets: ratio ≥ 0.5, p99 ≤ 10 ms.
 * The two alternate in short slices, in turn first, and each pair gives a ratio: a noisy neighbour
 * on a shared machine can slow a 10-second run several-fold, and it does so at random. Each slice
 * also records the machine's steal time, and pairs taken while the hypervisor held the CPU back
 * are reported apart. Beside req/s it prints the server's CPU time per request (all its threads, and its
 * request thread alone), which the neighbours disturb far less.
 */
const badSettings: string[] = [];
const PAIRS = setting('BENCH_PAIRS', 8, 'count');
const SLICE_S = setting('BENCH_SLICE_S', 4, 'count');
const CONNECTIONS = setting('BENCH_CONNECTIONS', 10, 'count');
const QUIET_STEAL = setting('BENCH_QUIET_STEAL', 5, 'percent');
if (badSettings.length > 0) {
  for (const line of badSettings) process.stderr.write(`bench:check: ${line}\n`);
  process.exit(2);
}

/** A whole number ≥ 1 (a count or seconds), or a percentage from 0 to 100; a bad one is noted in badSettings. */
function setting(name: string, fallback: number, kind: 'count' | 'percent'): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  // Digits only: Number() would read " " as 0 and "1e1" as 10.
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  const ok = kind === 'count' ? Number.isInteger(value) && value >= 1 : value >= 0 && value <= 100;
  if (!ok)
    badSettings.push(`${name} must be ${kind === 'count' ? 'a whole number of at least 1' : 'a percentage from 0 to 100'}, got "${raw}"`);
  return value;
}

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  pid: number;
}

/** Microseconds of server CPU per request answered in a slice. */
interface CpuPerRequest {
  all: number;
  main: number;
}

interface Slice {
  result: autocannon.Result;
  steal: number | null;
  cpu: CpuPerRequest | null;
}

const load = (t: Target, duration: number): Promise<autocannon.Result> =>
  autocannon({
    url: t.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...t.headers },
    body: t.body,
    connections: CONNECTIONS,
    duration,
  });

async function slice(t: Target): Promise<Slice> {
  const before = cpuTimes();
  const cpuBefore = processCpu(t.pid);
  const result = await load(t, SLICE_S);
  const cpuAfter = processCpu(t.pid);
  const answered = result.requests.total;
  const cpu =
    cpuBefore && cpuAfter && answered > 0
      ? { all: (cpuAfter.all - cpuBefore.all) / answered, main: (cpuAfter.main - cpuBefore.main) / answered }
      : null;
  return { result, steal: stealPercent(before, cpuTimes()), cpu };
}

const pct = (steal: number | null): string => (steal === null ? 'n/a' : `${steal.toFixed(0)}%`);

const micros = (cpu: CpuPerRequest | null): string =>
  cpu === null ? 'cpu n/a' : `cpu ${cpu.all.toFixed(1).padStart(5)} µs/req (request thread ${cpu.main.toFixed(1)})`;

function report(name: string, { result: r, steal, cpu }: Slice): string {
  return `  ${name.padEnd(22)} ${r.requests.average.toFixed(0).padStart(8)} req/s   p99 ${String(r.latency.p99).padStart(3)} ms   ${micros(cpu)}   steal ${pct(steal).padStart(4)}   non-2xx ${r.non2xx}   errors ${r.errors}`;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

interface Pair {
  ratio: number;
  p99: number;
  quiet: boolean;
  /** Server CPU per request, hello-world's over the check's: the ratio the CPU alone would allow. */
  cpuRatio: number | null;
}

function summary(label: string, pairs: Pair[]): string {
  const cpuRatios = pairs.flatMap((p) => (p.cpuRatio === null ? [] : [p.cpuRatio]));
  const cpu = cpuRatios.length > 0 ? `, median CPU-per-request ratio ${median(cpuRatios).toFixed(2)}` : '';
  return `${label}: ${pairs.length} pairs, median ratio ${median(pairs.map((p) => p.ratio)).toFixed(2)} (target ≥ 0.50), median p99 ${median(pairs.map((p) => p.p99))} ms (target ≤ 10 ms)${cpu}`;
}

const dataDir = mkdtempSync(join(tmpdir(), 'borg-bench-'));
const { engineId, key } = seedGrantedEngine(dataDir);

const helloPort = await freePort();
const apiPort = await freePort();
const helloServer = await serve('bench/support/hello-server.ts', { PORT: String(helloPort) }, /listening/);
const api = await serve(
  'src/main/api.ts',
  { BORG_DATA_DIR: dataDir, BORG_API_PORT: String(apiPort), TEMPORAL_ADDRESS: '127.0.0.1:1' },
  /API ready/,
);
try {
  const checkBody = JSON.stringify({ engine_id: engineId, platform: 'gmail', action_type: 'send_email' });
  const engineHeaders = { 'x-engine-id': engineId, 'x-engine-key': key };
  const probe = await fetch(`http://127.0.0.1:${apiPort}/actions/check`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...engineHeaders },
    body: checkBody,
  });
  const answer = (await probe.json()) as { allowed: boolean };
  if (!answer.allowed) throw new Error(`the benchmark check is not allowed: ${JSON.stringify(answer)}`);

  const hello: Target = {
    name: 'fastify hello-world',
    url: `http://127.0.0.1:${helloPort}/hello`,
    headers: {},
    body: '{}',
    pid: helloServer.child.pid!,
  };
  const check: Target = {
    name: 'POST /actions/check',
    url: `http://127.0.0.1:${apiPort}/actions/check`,
    headers: engineHeaders,
    body: checkBody,
    pid: api.child.pid!,
  };
  // Warm-up: JIT, prepared statements, TCP.
  await load(hello, 2);
  await load(check, 2);
  console.log(
    `connections ${CONNECTIONS}, ${PAIRS} pairs of ${SLICE_S}-second slices, same machine, same run; quiet = steal ≤ ${QUIET_STEAL}% in both slices`,
  );
  const pairs: Pair[] = [];
  let failed = 0;
  for (let n = 1; n <= PAIRS; n++) {
    const order = n % 2 ? [hello, check] : [check, hello];
    const slices = new Map<Target, Slice>();
    for (const target of order) slices.set(target, await slice(target));
    const base = slices.get(hello)!;
    const result = slices.get(check)!;
    const quiet = [base, result].every((s) => s.steal !== null && s.steal <= QUIET_STEAL);
    const cpuRatio = base.cpu && result.cpu ? base.cpu.all / result.cpu.all : null;
    pairs.push({ ratio: result.result.requests.average / base.result.requests.average, p99: result.result.latency.p99, quiet, cpuRatio });
    failed += result.result.non2xx + result.result.errors;
    console.log(`pair ${n}: ratio ${pairs.at(-1)!.ratio.toFixed(2)}${quiet ? '' : '   (not quiet)'}`);
    for (const target of order) console.log(report(target.name, slices.get(target)!));
  }
  console.log(summary('all', pairs));
  const quiet = pairs.filter((p) => p.quiet);
  console.log(
    quiet.length > 0
      ? summary('quiet', quiet)
      : 'quiet: none; every pair ran while the hypervisor held the CPU back, so the figures above say little',
  );
  if (failed > 0) throw new Error('some checks failed; the figures above are not valid');
} finally {
  await Promise.all([helloServer.stop(), api.stop()]);
  rmSync(dataDir, { recursive: true, force: true });
}
