import { cpus } from 'node:os';
import { fanout } from './support/jobs-fanout.js';
import type { FanoutResult, FanoutRound } from './support/jobs-fanout.js';
import { latenessStage } from './support/jobs-lateness.js';
import type { LatenessResult } from './support/jobs-lateness.js';
import { duration, fixed, median, percentile, spread } from './support/measure.js';
import type { CpuUse } from './support/measure.js';
import { startJobsStack } from './support/jobs-stack.js';
import { BenchSettings } from './support/settings.js';

const HELP = `npm run bench:jobs [-- --quick] [-- --only lateness|fanout]

Scheduled jobs (issue 22), over HTTP against the real API, a real worker and a Temporal dev server:
  1. fan-out: one job on many simulated devices, enrolled on an auto-approving code, in a few fleet processes
     (bench/support/jobs-fleet.ts), each device long-polling GET /api/agent/work with DPoP; from POST /jobs/:id/run
     until the run has finished with every device succeeded (a script of 0 s), and the CPU per device.
  2. schedule lateness: jobs that fire every minute, targeting no device (a run then starts and ends at once).
     Smaller counts first, one fire each, then the main count for several minutes, all on the same second; then
     the main count again, spread over the seconds of the minute. For every run: its start in Temporal and its
     row's started_at (the run recorded), against its scheduled time. The CPU of the Temporal server, the worker
     and the API over each burst, and their busiest second.
It never fails on a timing: fires Temporal drops (later than the catch-up window, BORG_JOB_CATCHUP_WINDOW_S) are
reported as missed. It fails only if requests fail, or runs Temporal started are not recorded.

  --quick          small counts: 50 schedules × 1 fire, 40 devices (about two minutes)
  --only NAME      only the lateness or only the fan-out part
  --help           this text

Environment (whole numbers ≥ 1 unless said): BENCH_SCHEDULES (main count), BENCH_MINUTES (its fires),
BENCH_SCHEDULE_STEPS (comma-separated smaller counts, one fire each; empty for none), BENCH_SPREAD_SECONDS (the
seconds the spread stage spreads the main count over; 0 skips it), BENCH_OVERLAP (skip,
buffer_one or allow), BENCH_CREATE_CONCURRENCY, BENCH_DEVICES, BENCH_CLIENTS (fleet processes), BENCH_ROUNDS
(fan-out triggers), BENCH_ENROLL_CONCURRENCY; BENCH_TEMPORAL_ARGS (more flags for temporal server start-dev,
space-separated, e.g. "--sqlite-pragma journal_mode=wal"); BORG_TEMPORAL_CLI as for npm start.
`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(HELP);
  process.exit(0);
}
const QUICK = args.includes('--quick');
const onlyAt = args.indexOf('--only');
const ONLY = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
const unknown = args.filter((a, i) => a !== '--quick' && !(onlyAt >= 0 && (i === onlyAt || i === onlyAt + 1)));
if (unknown.length > 0 || (onlyAt >= 0 && ONLY !== 'lateness' && ONLY !== 'fanout')) {
  process.stderr.write(`bench:jobs: bad arguments ${args.join(' ')}\n\n${HELP}`);
  process.exit(2);
}

const settings = new BenchSettings(QUICK);
const count = settings.count.bind(settings);
const badSettings = settings.problems;
const SCHEDULES = count('BENCH_SCHEDULES', 1000, 50);
const MINUTES = count('BENCH_MINUTES', 3, 1);
const CREATE_CONCURRENCY = count('BENCH_CREATE_CONCURRENCY', 8, 8);
const DEVICES = count('BENCH_DEVICES', 500, 40);
const CLIENTS = count('BENCH_CLIENTS', 4, 2);
const ROUNDS = count('BENCH_ROUNDS', 3, 2);
const ENROLL_CONCURRENCY = count('BENCH_ENROLL_CONCURRENCY', 32, 32);
const STEPS = (process.env.BENCH_SCHEDULE_STEPS ?? (QUICK ? '' : '50,100,300'))
  .split(',')
  .filter((s) => s.trim() !== '')
  .map((s) => {
    const n = Number(s.trim());
    if (!(Number.isSafeInteger(n) && n >= 1))
      badSettings.push(`BENCH_SCHEDULE_STEPS must be whole numbers ≥ 1, comma-separated, got "${s}"`);
    return n;
  });
const SPREAD_S = Number(process.env.BENCH_SPREAD_SECONDS ?? (QUICK ? '0' : '60'));
if (!(Number.isSafeInteger(SPREAD_S) && SPREAD_S >= 0 && SPREAD_S <= 60))
  badSettings.push(`BENCH_SPREAD_SECONDS must be a whole number from 0 to 60, got "${process.env.BENCH_SPREAD_SECONDS}"`);
const OVERLAP = process.env.BENCH_OVERLAP || 'skip';
const CATCHUP_S = Number(process.env.BORG_JOB_CATCHUP_WINDOW_S || 600);
// More flags for the Temporal dev server, to try its limits (e.g. --sqlite-pragma journal_mode=wal); unset, it runs
// as npm start runs it.
const SERVER_ARGS = (process.env.BENCH_TEMPORAL_ARGS ?? '').split(/\s+/).filter(Boolean);
if (badSettings.length > 0) {
  for (const line of badSettings) process.stderr.write(`bench:jobs: ${line}\n`);
  process.exit(2);
}

// ------------------------------------------------------------------------------------------- printing

const cpuText = (use: CpuUse | undefined, per: number, unit: string) =>
  use === undefined
    ? 'n/a'
    : `Temporal ${fixed(use.temporal! / per, 1)}, worker ${fixed(use.worker! / per, 1)}, API ${fixed(use.api! / per, 1)} ${unit}`;
/** p50 and p99 over every fire that was due, a fire with no run counting as later than any: "missed". */
function dueSpread(late: number[], due: number): string {
  const all = [...late, ...Array<number>(Math.max(0, due - late.length)).fill(Infinity)];
  const text = (ms: number) => (ms === Infinity ? 'missed' : duration(ms));
  return `p50 ${text(percentile(all, 50))}, p99 ${text(percentile(all, 99))}`;
}
const pct = (use: CpuUse) => `Temporal ${fixed(use.temporal!)}%, worker ${fixed(use.worker!)}%, API ${fixed(use.api!)}%`;

function printStage(s: LatenessResult): void {
  const runs = s.count * s.fires;
  console.log(
    `  ${s.count} jobs made in ${fixed(s.createS, 1)} s (${fixed(s.count / s.createS, 1)} jobs/s, POST /jobs ${spread(s.createMs)})${s.lateJobs ? `; ${s.lateJobs} made after the first fire` : ''}; deleted in ${fixed(s.deleteS, 1)} s`,
  );
  console.log(
    `  runs: ${s.temporalLate.length} of ${runs} started in Temporal, ${s.recordedLate.length} recorded by the API; ${s.missed} fires missed` +
      (s.missedSample.asked > 0
        ? ` (${s.missedSample.asked} of their schedules asked: ${s.missedSample.missedCatchupWindow} fires dropped as later than the ${CATCHUP_S} s catch-up window, ${s.missedSample.skippedOverlap} skipped by the overlap policy)`
        : ''),
  );
  s.byFire.forEach((f, i) =>
    console.log(
      `  fire ${i + 1}: ${f.temporal.length} of ${s.count} started; start in Temporal ${spread(f.temporal)}; run recorded ${spread(f.recorded)}`,
    ),
  );
  if (s.fires > 1) console.log(`  all fires: start in Temporal ${spread(s.temporalLate)}; run recorded ${spread(s.recordedLate)}`);
  console.log(
    `  CPU over the ${s.fires} bursts (${fixed(s.burstMs / s.fires / 1000)} s from each fire): ${cpuText(s.burstCpu, s.temporalLate.length, 'ms a run started')}; ${cpuText(s.burstCpu, s.burstMs / 100, '% of a core')}`,
  );
  console.log(`  busiest second: ${pct(s.peakCpu)} of a core`);
  if (s.idleCpu)
    console.log(`  between fires (${fixed(s.idleMs / 1000)} s, the schedules idle): ${cpuText(s.idleCpu, s.idleMs / 100, '% of a core')}`);
  for (const line of s.failed.slice(0, 5)) console.log(`  failed: ${line}`);
}

function printRound(r: FanoutRound, n: number, devices: number): void {
  console.log(
    `  round ${n}: trigger → finished, all succeeded ${duration(r.observedMs)} (seen by polling); the server recorded: run started ${duration(r.runStartedMs)}, first dispatch ${duration(r.firstDispatchMs)}, last dispatch ${duration(r.lastDispatchMs)}, last result ${duration(r.lastResultMs)}, run finished ${duration(r.finishedMs)}`,
  );
  console.log(
    `           ${r.succeeded} of ${devices} succeeded; POST /jobs/:id/run took ${duration(r.triggerCallMs)}; CPU a device: ${cpuText(r.cpu, devices, 'ms')}, fleet clients ${fixed(r.cpu.clients! / devices, 2)} ms`,
  );
}

// --------------------------------------------------------------------------------------------- the run

interface StagePlan {
  count: number;
  fires: number;
  spreadS: number;
}
const STAGES: StagePlan[] = [
  ...STEPS.map((count) => ({ count, fires: 1, spreadS: 0 })),
  { count: SCHEDULES, fires: MINUTES, spreadS: 0 },
  ...(SPREAD_S > 0 ? [{ count: SCHEDULES, fires: MINUTES, spreadS: SPREAD_S }] : []),
];
const stageName = (s: StagePlan) => `${s.count}×${s.fires}${s.spreadS > 0 ? ` over ${s.spreadS} s` : ''}`;

console.log(
  `bench:jobs${QUICK ? ' --quick' : ''}: ${cpus().length} CPUs, Node ${process.version}; lateness ${STAGES.map(stageName).join(', ')} (jobs × fires, overlap ${OVERLAP}); fan-out ${DEVICES} devices in ${CLIENTS} processes, ${ROUNDS} rounds`,
);
const stack = await startJobsStack(SERVER_ARGS);
let failures = 0;
let completed = false;
const stages: LatenessResult[] = [];
let fan: FanoutResult | undefined;
try {
  console.log(
    'Stack: Temporal dev server, API (src/main/api.ts) and worker (src/main/worker.ts), each a process of its own; CPU from /proc/<pid>/stat',
  );

  if (ONLY !== 'lateness') {
    console.log(
      `\n1. Fan-out: ${DEVICES} devices enrolled on one auto-approving code, in ${CLIENTS} fleet processes, each device long-polling /api/agent/work?wait=30 (DPoP); ${ROUNDS} × POST /jobs/:id/run`,
    );
    fan = await fanout(stack, { devices: DEVICES, children: CLIENTS, rounds: ROUNDS, enrollConcurrency: ENROLL_CONCURRENCY });
    failures += fan.failed.length;
    console.log(`  enrolled ${DEVICES} in ${fixed(fan.enrollS, 1)} s`);
    console.log(`  ${DEVICES} devices waiting, nothing to do: ${cpuText(fan.idleCpu, 10, '% of a core')}`);
    fan.rounds.forEach((r, i) => printRound(r, i + 1, DEVICES));
    for (const line of fan.failed.slice(0, 5)) console.log(`  failed: ${line}`);
  }

  if (ONLY !== 'fanout') {
    console.log(
      `\n2. Schedule lateness: jobs every 1 minute, targets {tags: [bench-nobody]}, catch-up window ${CATCHUP_S} s; per run, its scheduled time to its start in Temporal (StartTime − TemporalScheduledStartTime) and to its row's started_at`,
    );
    let createRate = 40; // jobs a second, a guess for the first stage; each stage measures it for the next
    for (const plan of STAGES) {
      const { count: n, fires, spreadS } = plan;
      console.log(
        `\n  ${n} schedules, ${fires} fire${fires > 1 ? 's' : ''}, ${spreadS > 0 ? `spread over ${spreadS} s of the minute` : 'all on the same second'}`,
      );
      const stage = await latenessStage(stack, {
        count: n,
        fires,
        spreadS,
        overlap: OVERLAP,
        concurrency: CREATE_CONCURRENCY,
        createRate,
        progress: (line) => console.log(`  … ${line}`),
      });
      createRate = n / stage.createS;
      failures += stage.failed.length;
      stages.push(stage);
      printStage(stage);
    }
  }

  // ---------------------------------------------------------------------------------------- summary
  console.log('\nSummary');
  const table: [string, string, string][] = [['measure', 'value', 'goal']];
  for (const s of stages) {
    const runs = s.count * s.fires;
    table.push([
      `lateness, ${stageName(s)}: start in Temporal`,
      `${dueSpread(s.temporalLate, runs)} (${s.temporalLate.length} of ${runs} runs started, ${s.missed} missed)`,
      'p99 ≤ 1 s',
    ]);
    table.push(['  run recorded (row started_at)', `${dueSpread(s.recordedLate, runs)} (${s.recordedLate.length} of ${runs} runs)`, '']);
    table.push([
      '  Temporal CPU over the bursts',
      `${fixed(s.burstCpu.temporal! / s.temporalLate.length, 1)} ms a run started, ${fixed(s.burstCpu.temporal! / (s.burstMs / 100))}% of a core over the bursts, busiest second ${fixed(s.peakCpu.temporal!)}%`,
      '',
    ]);
  }
  if (fan && fan.rounds.length > 0) {
    const med = (f: (r: FanoutRound) => number) => median(fan!.rounds.map(f));
    table.push([
      `fan-out, ${DEVICES} devices: trigger → run finished, all succeeded`,
      `${duration(med((r) => r.finishedMs))} (median of ${fan.rounds.length}; ${fan.rounds.map((r) => duration(r.finishedMs)).join(', ')})`,
      '≤ 10 s',
    ]);
    table.push(['  last result posted', duration(med((r) => r.lastResultMs)), '']);
    table.push([
      '  CPU a device',
      `API ${fixed(med((r) => r.cpu.api!) / DEVICES, 2)} ms, worker ${fixed(med((r) => r.cpu.worker!) / DEVICES, 2)} ms, Temporal ${fixed(med((r) => r.cpu.temporal!) / DEVICES, 2)} ms`,
      '',
    ]);
    table.push(['  devices waiting idle', `API ${fixed(fan.idleCpu.api! / 10, 1)}% of a core`, '']);
  }
  const widths = [0, 1].map((c) => Math.max(...table.map((r) => r[c]!.length)));
  for (const r of table) console.log(`  ${r[0].padEnd(widths[0]!)}  ${r[1].padEnd(widths[1]!)}  ${r[2]}`);
  if (failures > 0) {
    console.log(`\n${failures} failures (requests or runs); the figures above are not valid. The API's and worker's logs: ${stack.logDir}`);
    process.exitCode = 1;
  }
  completed = true;
} finally {
  if (!completed) console.log(`\nThe run stopped early. The API's and worker's logs: ${stack.logDir}`);
  await stack.stop(!completed || failures > 0);
}
