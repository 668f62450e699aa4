import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { enrollRequest, keepAlive, newDevice, poll } from './devices.js';
import type { BenchDevice } from './devices.js';
import type { FleetCredentials, FleetItem, FleetMessage } from './jobs-fleet.js';
import { pool, sleep } from './measure.js';
import type { CpuUse } from './measure.js';
import type { JobsStack } from './jobs-stack.js';
import { processCpu } from './process-cpu.js';

/**
 * Fan-out: one job on `devices` simulated devices, real HTTP with DPoP from `children` fleet processes
 * (jobs-fleet.ts). Every device long-polls before the trigger; a round is `POST /jobs/:id/run` until the run is
 * `finished` with every device succeeded.
 */

const TAG = 'bench-fanout';
/** Pause between enrollment polls that find it pending. */
const ENROLL_POLL_PAUSE_MS = 50;
/** How often the bench asks whether the run has finished (GET /jobs/:id/runs: counts, not every device's row). */
const WATCH_MS = 100;
/** A round that has not finished by then is reported as failed. */
const ROUND_LIMIT_MS = 120_000;
/** Measured with every device waiting and nothing to do: what idle long polls cost the API. */
const IDLE_MS = 5_000;

export interface FanoutOptions {
  devices: number;
  children: number;
  rounds: number;
  enrollConcurrency: number;
  /** Told when the rounds start and end, e.g. to profile the API over them alone. */
  onRounds?: (state: 'start' | 'end') => void;
}

export interface FanoutRound {
  /** Trigger to the bench seeing the run finished, every device succeeded (polled every WATCH_MS). */
  observedMs: number;
  /** From the trigger (the bench's clock, the same machine) to what the server and devices recorded. */
  runStartedMs: number;
  firstDispatchMs: number;
  lastDispatchMs: number;
  lastReceivedMs: number;
  lastResultMs: number;
  finishedMs: number;
  triggerCallMs: number;
  succeeded: number;
  /** CPU ms over the round, per process; `clients` is all fleet processes together. */
  cpu: CpuUse;
}

export interface FanoutResult {
  enrollS: number;
  rounds: FanoutRound[];
  /** CPU ms per second of the API, worker and Temporal while every device waits idle. */
  idleCpu: CpuUse;
  failed: string[];
}

/** What the bench reads of `GET /runs/:id`. */
interface RunRecord {
  started_at: string;
  finished_at: string | null;
  counts: Record<string, number>;
  devices: { dispatched_at: string | null }[];
}

interface Enrolled {
  device: BenchDevice;
  signingKey: string;
}

export async function fanout(stack: JobsStack, options: FanoutOptions): Promise<FanoutResult> {
  const failed: string[] = [];
  const e0 = performance.now();
  const enrolled = await enroll(stack, options, failed);
  const enrollS = (performance.now() - e0) / 1000;
  if (enrolled.length === 0) return { enrollS, rounds: [], idleCpu: {}, failed };

  // Paused, so its daily schedule never fires: only `run now` (which runs a paused job) starts its runs.
  const job = await stack.call<{ id: string }>('POST', '/jobs', {
    name: `bench fan-out to ${options.devices}`,
    script: { interpreter: 'sh', content: 'true' },
    // The devices the fleet holds credentials for: one whose enrollment failed would only wait out the dispatch window.
    targets: { device_ids: enrolled.map((e) => e.device.deviceId!) },
    schedule: { kind: 'daily', at: '00:00' },
    enabled: false,
    timeout_s: 60,
    dispatch_window_s: 60,
  });
  if (job.status !== 201) throw new Error(`POST /jobs: ${job.status} ${JSON.stringify(job.body)}`);
  const jobId = String(job.body.id);

  const dir = mkdtempSync(join(tmpdir(), 'borg-bench-fleet-'));
  const fleet: ChildProcess[] = [];
  try {
    for (let c = 0; c < options.children; c++) {
      const mine = enrolled.filter((_, i) => i % options.children === c);
      const file = join(dir, `fleet-${c}.json`);
      const credentials: FleetCredentials = {
        base: stack.base,
        signingKey: enrolled[0]!.signingKey,
        devices: mine.map(({ device }) => ({
          deviceId: device.deviceId!,
          accessToken: device.accessToken!,
          privateKeyPem: device.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          x: device.x,
        })),
      };
      writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 });
      fleet.push(
        fork('bench/support/jobs-fleet.ts', [file], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
      );
    }
    await Promise.all(fleet.map((child) => message(child, 'ready', 60_000)));
    failed.push(...(await reports(fleet)).failures);
    // The last proofs the API checks before the trigger, and its dispatcher's first look.
    await sleep(1500);

    const cpuNow = () => cpuOf(stack, fleet);
    const i0 = cpuNow();
    await sleep(IDLE_MS);
    const idleCpu = perSecond(delta(i0, cpuNow()), IDLE_MS);

    const rounds: FanoutRound[] = [];
    options.onRounds?.('start');
    for (let r = 0; r < options.rounds; r++) {
      const round = await oneRound(stack, jobId, enrolled.length, fleet, cpuNow, failed);
      if (round) rounds.push(round);
      await sleep(2000);
    }
    options.onRounds?.('end');
    return { enrollS, rounds, idleCpu, failed };
  } finally {
    for (const child of fleet) if (child.connected) child.send({ type: 'stop' });
    await Promise.all(fleet.filter((child) => child.exitCode === null).map((child) => new Promise((exited) => child.once('exit', exited))));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function oneRound(
  stack: JobsStack,
  jobId: string,
  devices: number,
  fleet: ChildProcess[],
  cpuNow: () => CpuUse,
  failed: string[],
): Promise<FanoutRound | undefined> {
  const before = cpuNow();
  const t0 = Date.now();
  const trigger = await stack.call<{ run_id: string }>('POST', `/jobs/${jobId}/run`);
  const triggerCallMs = Date.now() - t0;
  if (trigger.status !== 202) {
    failed.push(`POST /jobs/${jobId}/run: ${trigger.status} ${JSON.stringify(trigger.body)}`);
    return undefined;
  }
  const runId = String(trigger.body.run_id);
  let observedMs = NaN;
  while (Date.now() - t0 < ROUND_LIMIT_MS) {
    const runs = await stack.call<{ runs?: { id: string; status: string }[] }>('GET', `/jobs/${jobId}/runs?limit=1`);
    const run = runs.body.runs?.[0];
    if (run?.id === runId && run.status !== 'running') {
      observedMs = Date.now() - t0;
      break;
    }
    await sleep(WATCH_MS);
  }
  const cpu = delta(before, cpuNow());
  const { items, failures } = await reports(fleet);
  failed.push(...failures);
  const record = await stack.call<RunRecord>('GET', `/runs/${encodeURIComponent(runId)}`);
  if (record.status !== 200) {
    failed.push(`GET /runs/${runId}: ${record.status} ${JSON.stringify(record.body)}`);
    return undefined;
  }
  const run = record.body;
  const succeeded = run.counts.succeeded ?? 0;
  if (!Number.isFinite(observedMs)) failed.push(`run ${runId} had not finished ${ROUND_LIMIT_MS / 1000} s after the trigger`);
  if (succeeded !== devices)
    failed.push(`run ${runId}: ${succeeded} of ${devices} devices succeeded, counts ${JSON.stringify(run.counts)}`);
  const since = (iso: string | null) => (iso === null ? NaN : Date.parse(iso) - t0);
  const dispatched = run.devices.map((d) => since(d.dispatched_at)).filter(Number.isFinite);
  const mine = items.filter((i: FleetItem) => i.runId === runId);
  return {
    observedMs,
    runStartedMs: since(run.started_at),
    firstDispatchMs: Math.min(...dispatched),
    lastDispatchMs: Math.max(...dispatched),
    lastReceivedMs: Math.max(...mine.map((i) => i.receivedAt - t0)),
    lastResultMs: Math.max(...mine.map((i) => i.resultAt - t0)),
    finishedMs: since(run.finished_at),
    triggerCallMs,
    succeeded,
    cpu,
  };
}

/** Every device enrolled on one auto-approving code, `enrollConcurrency` at once, as bench:devices does it. */
async function enroll(stack: JobsStack, options: FanoutOptions, failed: string[]): Promise<Enrolled[]> {
  const code = await stack.call<{ code: string }>('POST', '/install-codes', {
    ttl_s: 3600,
    max_uses: options.devices,
    tags: [TAG],
    auto_approve: true,
  });
  if (code.status !== 201) throw new Error(`install code: ${code.status} ${JSON.stringify(code.body)}`);
  const agent = keepAlive(options.enrollConcurrency);
  const out: Enrolled[] = [];
  try {
    const devices = Array.from({ length: options.devices }, (_, i) => newDevice(`bench-fanout-${i}`));
    await pool(devices, options.enrollConcurrency, async (device) => {
      const req = await enrollRequest(agent, stack.base, device, String(code.body.code));
      if (req.status !== 200) return void failed.push(`enroll request: ${req.status} ${JSON.stringify(req.body)}`);
      for (;;) {
        const reply = await poll(agent, stack.base, device);
        // The request's answer carries the job-signing key; the poll's, the credentials.
        if (reply.status === 200 && reply.body.status === 'approved')
          return void out.push({ device, signingKey: String(req.body.signing_key) });
        if (reply.status !== 200 || reply.body.status !== 'pending')
          return void failed.push(`enroll poll: ${reply.status} ${JSON.stringify(reply.body)}`);
        await sleep(ENROLL_POLL_PAUSE_MS);
      }
    });
  } finally {
    agent.destroy();
  }
  return out;
}

/** The next message of `type` from a fleet process; rejects if it exits first or `ms` pass. */
function message(child: ChildProcess, type: FleetMessage['type'], ms: number): Promise<FleetMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`a fleet process sent no ${type} within ${ms / 1000} s`)), ms);
    const onMessage = (m: FleetMessage) => m.type === type && done(undefined, m);
    const onExit = (code: number | null) => done(new Error(`a fleet process exited (${code}) before ${type}`));
    const done = (err?: Error, m?: FleetMessage) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m!);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** What every fleet process did since the last ask. */
async function reports(fleet: ChildProcess[]): Promise<{ items: FleetItem[]; failures: string[] }> {
  const got = await Promise.all(
    fleet.map((child) => {
      const reply = message(child, 'report', 10_000);
      child.send({ type: 'report' });
      return reply;
    }),
  );
  return {
    items: got.flatMap((m) => (m.type === 'report' ? m.items : [])),
    failures: got.flatMap((m) => (m.type === 'report' ? m.failures : [])),
  };
}

function cpuOf(stack: JobsStack, fleet: ChildProcess[]): CpuUse {
  const ms = (pid: number | undefined) => (pid === undefined ? NaN : (processCpu(pid)?.all ?? NaN) / 1000);
  return {
    api: ms(stack.pids.api),
    worker: ms(stack.pids.worker),
    temporal: ms(stack.pids.temporal),
    clients: fleet.reduce((sum, child) => sum + ms(child.pid), 0),
  };
}

const delta = (a: CpuUse, b: CpuUse): CpuUse => Object.fromEntries(Object.keys(a).map((k) => [k, b[k]! - a[k]!]));
const perSecond = (use: CpuUse, ms: number): CpuUse => Object.fromEntries(Object.entries(use).map(([k, v]) => [k, (v * 1000) / ms]));
