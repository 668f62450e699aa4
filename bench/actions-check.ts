import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { pino } from 'pino';
import { closeDatabase } from '../lib/db/database.js';
import { openMigratedDatabase } from '../lib/db/open.js';
import { EngineControl } from '../lib/engines/control.js';
import { freePort } from '../test/support/ports.js';
import { serve } from './support/serve.js';

/**
 * `npm run bench:check`: /actions/check (engine auth, policy, decision-log write, over HTTP)
 * against a bare Fastify hello-world measured in the same run. Targets: ratio ≥ 0.5, p99 ≤ 10 ms.
 */
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

async function load(url: string, headers: Record<string, string>, body: string): Promise<autocannon.Result> {
  const run = (duration: number) => autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, connections: CONNECTIONS, duration });
  await run(2); // warm-up: JIT, prepared statements, TCP
  return run(DURATION_S);
}

function report(name: string, r: autocannon.Result): string {
  return `${name.padEnd(24)} ${r.requests.average.toFixed(0).padStart(8)} req/s   p50 ${String(r.latency.p50).padStart(3)} ms   p99 ${String(r.latency.p99).padStart(3)} ms   non-2xx ${r.non2xx}   errors ${r.errors}`;
}

const dataDir = mkdtempSync(join(tmpdir(), 'borg-bench-'));
const db = openMigratedDatabase({ file: join(dataDir, 'borg.db'), autoMigrate: true, log: pino({ level: 'silent' }) });
const control = new EngineControl(db);
const by = { actor: 'bench', requestId: null };
const { engine, key } = control.registerEngine(by, { name: 'bench-engine', description: '', capabilities: [] });
control.putPlatform(by, { id: 'gmail', name: 'Gmail', status: 'active', version: '1' });
control.createGrant(by, { engine_id: engine.id, platform: 'gmail', action_type: 'send_email', scopes: ['gmail.send'], expires_at: null });
closeDatabase(db);

const helloPort = await freePort();
const apiPort = await freePort();
const hello = await serve('bench/support/hello-server.ts', { PORT: String(helloPort) }, /listening/);
const api = await serve('bin/api.ts', { BORG_DATA_DIR: dataDir, BORG_API_PORT: String(apiPort), TEMPORAL_ADDRESS: '127.0.0.1:1' }, /API ready/);
try {
  const checkBody = JSON.stringify({ engine_id: engine.id, platform: 'gmail', action_type: 'send_email' });
  const engineHeaders = { 'x-engine-id': engine.id, 'x-engine-key': key };
  const probe = await fetch(`http://127.0.0.1:${apiPort}/actions/check`, { method: 'POST', headers: { 'content-type': 'application/json', ...engineHeaders }, body: checkBody });
  const answer = (await probe.json()) as { allowed: boolean };
  if (!answer.allowed) throw new Error(`the benchmark check is not allowed: ${JSON.stringify(answer)}`);

  const baseline = await load(`http://127.0.0.1:${helloPort}/hello`, {}, '{}');
  const check = await load(`http://127.0.0.1:${apiPort}/actions/check`, engineHeaders, checkBody);
  const ratio = check.requests.average / baseline.requests.average;
  console.log(`connections ${CONNECTIONS}, ${DURATION_S} s each, same machine, same run`);
  console.log(report('fastify hello-world', baseline));
  console.log(report('POST /actions/check', check));
  console.log(`ratio ${ratio.toFixed(2)} (target ≥ 0.50)   p99 ${check.latency.p99} ms (target ≤ 10 ms)`);
  if (check.non2xx > 0 || check.errors > 0) throw new Error('some checks failed; the figures above are not valid');
} finally {
  await Promise.all([hello.stop(), api.stop()]);
  rmSync(dataDir, { recursive: true, force: true });
}
