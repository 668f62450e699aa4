import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../test/support/ports.js';
import { seedGrantedEngine } from '../test/support/seed.js';
import { serve } from './support/serve.js';

/**
 * `npm run bench:check`: /actions/check (engine auth, policy, decision-log write, over HTTP)
 * against a bare Fastify hello-world measured in the same run. Targets: ratio ≥ 0.5, p99 ≤ 10 ms.
 * The two alternate over several rounds and the median ratio counts, because a noisy neighbour on a
 * shared machine can slow one 10-second run several-fold.
 */
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Target {
  url: string;
  headers: Record<string, string>;
  body: string;
}

const load = (t: Target, duration: number): Promise<autocannon.Result> =>
  autocannon({ url: t.url, method: 'POST', headers: { 'content-type': 'application/json', ...t.headers }, body: t.body, connections: CONNECTIONS, duration });

function report(name: string, r: autocannon.Result): string {
  return `  ${name.padEnd(22)} ${r.requests.average.toFixed(0).padStart(8)} req/s   p50 ${String(r.latency.p50).padStart(3)} ms   p99 ${String(r.latency.p99).padStart(3)} ms   non-2xx ${r.non2xx}   errors ${r.errors}`;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const dataDir = mkdtempSync(join(tmpdir(), 'borg-bench-'));
const { engineId, key } = seedGrantedEngine(dataDir);

const helloPort = await freePort();
const apiPort = await freePort();
const hello = await serve('bench/support/hello-server.ts', { PORT: String(helloPort) }, /listening/);
const api = await serve('bin/api.ts', { BORG_DATA_DIR: dataDir, BORG_API_PORT: String(apiPort), TEMPORAL_ADDRESS: '127.0.0.1:1' }, /API ready/);
try {
  const checkBody = JSON.stringify({ engine_id: engineId, platform: 'gmail', action_type: 'send_email' });
  const engineHeaders = { 'x-engine-id': engineId, 'x-engine-key': key };
  const probe = await fetch(`http://127.0.0.1:${apiPort}/actions/check`, { method: 'POST', headers: { 'content-type': 'application/json', ...engineHeaders }, body: checkBody });
  const answer = (await probe.json()) as { allowed: boolean };
  if (!answer.allowed) throw new Error(`the benchmark check is not allowed: ${JSON.stringify(answer)}`);

  const hello: Target = { url: `http://127.0.0.1:${helloPort}/hello`, headers: {}, body: '{}' };
  const check: Target = { url: `http://127.0.0.1:${apiPort}/actions/check`, headers: engineHeaders, body: checkBody };
  // Warm-up: JIT, prepared statements, TCP.
  await load(hello, 2);
  await load(check, 2);
  console.log(`connections ${CONNECTIONS}, ${ROUNDS} rounds of ${DURATION_S} s each, same machine, same run`);
  const ratios: number[] = [];
  const p99s: number[] = [];
  let failed = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const base = await load(hello, DURATION_S);
    const result = await load(check, DURATION_S);
    const ratio = result.requests.average / base.requests.average;
    ratios.push(ratio);
    p99s.push(result.latency.p99);
    failed += result.non2xx + result.errors;
    console.log(`round ${round}: ratio ${ratio.toFixed(2)}`);
    console.log(report('fastify hello-world', base));
    console.log(report('POST /actions/check', result));
  }
  console.log(`median ratio ${median(ratios).toFixed(2)} (target ≥ 0.50)   median p99 ${median(p99s)} ms (target ≤ 10 ms)`);
  if (failed > 0) throw new Error('some checks failed; the figures above are not valid');
} finally {
  await Promise.all([hello.stop(), api.stop()]);
  rmSync(dataDir, { recursive: true, force: true });
}
