import { performance } from 'node:perf_hooks';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { jobScheduleId } from '../../src/features/jobs/flows/workflow-ids.js';
import { CpuSampler, pool, sleep } from './measure.js';
import type { CpuUse } from './measure.js';
import type { JobsStack, Reply } from './jobs-stack.js';

/**
 * Schedule lateness: `count` jobs that each fire every minute, `fires` times, either all at the same instants (the
 * worst case, and what `* * * * *` gives) or spread over the seconds of the minute, targeting a tag no device has,
 * so a run starts, finds no device and ends at once: what is measured is the schedule's start, not the devices.
 */

// Set by Temporal on every workflow a schedule starts: the time the run was due.
const scheduledStartKey = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
const jobIdKey = defineSearchAttributeKey('BorgJobId', SearchAttributeType.KEYWORD);
/** Time left between the last job made and the first fire, for the API and Temporal to go quiet. */
const LEAD_MS = 10_000;
/**
 * After the last fire, how long the runs have to be recorded: a fire Temporal has not acted on within the catch-up
 * window (BORG_JOB_CATCHUP_WINDOW_S, as the API gets it) is dropped, so nothing starts later than that.
 */
const DRAIN_MS = Number(process.env.BORG_JOB_CATCHUP_WINDOW_S || 600) * 1000 + 10_000;
/** How many schedules lacking runs are asked (DescribeSchedule) why. */
const MISSED_SAMPLE = 20;
/** How long after a fire the CPU of its burst is counted. */
const BURST_MS = 20_000;

export interface LatenessOptions {
  count: number;
  fires: number;
  overlap: string;
  /** 0: every job on the same second; n: job i fires on second i mod n of the minute. */
  spreadS: number;
  concurrency: number;
  /** Jobs made a second, as the last stage saw it: sizes the time left before the first fire. */
  createRate: number;
  /** Progress lines, for a stage that runs minutes. */
  progress: (line: string) => void;
}

export interface LatenessResult {
  count: number;
  fires: number;
  spreadS: number;
  /** Job creation: wall time, per-call latencies, failures. */
  createS: number;
  createMs: number[];
  deleteS: number;
  failed: string[];
  /** Jobs whose creation returned after the first fire (they may miss it). */
  lateJobs: number;
  /**
   * Fires Temporal started no run for; of a sample of their schedules, how many fires each reason took: later than
   * the catch-up window, or skipped by the overlap policy (the last run had not yet ended, or had not started).
   */
  missed: number;
  missedSample: { asked: number; missedCatchupWindow: number; skippedOverlap: number };
  /** Per run, ms from the scheduled time to the workflow's start in Temporal, and to the run row's started_at. */
  temporalLate: number[];
  recordedLate: number[];
  /** The same, per fire (0-based). */
  byFire: { temporal: number[]; recorded: number[] }[];
  /** CPU ms over the bursts (each fire to BURST_MS after it), the busiest second in % of a core, and the window. */
  burstCpu: CpuUse;
  peakCpu: CpuUse;
  burstMs: number;
  /** CPU ms between two fires when nothing fires (the cost of merely having the schedules). */
  idleCpu: CpuUse | undefined;
  idleMs: number;
}

export async function latenessStage(stack: JobsStack, options: LatenessOptions): Promise<LatenessResult> {
  const { count, fires } = options;
  const sampler = new CpuSampler(stack.pids);
  const failed: string[] = [];
  try {
    // The first fire: after every job is made (estimated from the last stage's rate, doubled), on a whole second.
    const firstFire = Math.ceil((Date.now() + (2000 * count) / options.createRate + LEAD_MS) / 1000) * 1000;
    const fireTimes = Array.from({ length: fires }, (_, i) => firstFire + i * 60_000);
    const scheduleOf = (i: number) => {
      const start = firstFire + (options.spreadS > 0 ? (i % options.spreadS) * 1000 : 0);
      return {
        kind: 'every',
        every: 1,
        unit: 'minutes',
        start_at: new Date(start).toISOString(),
        // Half a minute past its last fire: exactly `fires` runs, and the schedule is spent.
        end_at: new Date(start + (fires - 1) * 60_000 + 30_000).toISOString(),
      };
    };

    const ids: string[] = [];
    const createMs: number[] = [];
    let lateJobs = 0;
    const t0 = performance.now();
    await pool(
      Array.from({ length: count }, (_, i) => i),
      options.concurrency,
      async (i) => {
        const c0 = performance.now();
        const reply = await stack.call<{ id: string; schedule_sync?: { state: string } }>('POST', '/jobs', {
          name: `bench lateness ${count}×${fires} #${i}`,
          script: { interpreter: 'sh', content: 'true' },
          targets: { tags: ['bench-nobody'] },
          schedule: scheduleOf(i),
          overlap: options.overlap,
        });
        createMs.push(performance.now() - c0);
        if (Date.now() >= firstFire) lateJobs++;
        if (reply.status !== 201 || reply.body.schedule_sync?.state !== 'synced') failed.push(`POST /jobs: ${describe(reply)}`);
        else ids.push(String(reply.body.id));
      },
    );
    const createS = (performance.now() - t0) / 1000;
    options.progress(`${ids.length} jobs made in ${createS.toFixed(1)} s; first fire in ${((firstFire - Date.now()) / 1000).toFixed(0)} s`);

    // The last fire of the last job: the end of the last minute the jobs fire in.
    const lastFire = fireTimes.at(-1)! + Math.max(0, options.spreadS - 1) * 1000;
    await sleep(lastFire + BURST_MS - Date.now());
    options.progress('collecting the runs');
    const recorded = await collectRuns(stack, ids, fires, lastFire + DRAIN_MS);
    const started = await temporalStarts(stack, new Set(ids), firstFire);
    // A run Temporal started that the API never recorded is lost work; a fire Temporal never started is a finding.
    if (recorded.length < started.length)
      failed.push(
        `${started.length - recorded.length} runs started in Temporal were not recorded ${DRAIN_MS / 1000} s after the last fire`,
      );
    const missedSample = await whyMissed(stack, ids, started, fires);

    const burstMs = options.spreadS > 0 ? 60_000 : BURST_MS + 500;
    const burstCpu = sum(fireTimes.map((t) => sampler.used(t - 500, t - 500 + burstMs)));
    // Between the first two bursts: what the schedules cost while they wait (nothing is between when spread).
    const idle = fires > 1 && options.spreadS === 0 ? sampler.used(firstFire + BURST_MS, firstFire + 60_000 - 500) : undefined;

    const d0 = performance.now();
    await pool(ids, options.concurrency, async (id) => {
      const reply = await stack.call('DELETE', `/jobs/${id}`);
      if (reply.status !== 204) failed.push(`DELETE /jobs/${id}: ${describe(reply)}`);
    });
    const deleteS = (performance.now() - d0) / 1000;

    const fireOf = (scheduled: number) => Math.floor((scheduled - firstFire) / 60_000);
    const byFire = fireTimes.map(() => ({ temporal: [] as number[], recorded: [] as number[] }));
    for (const s of started) byFire[fireOf(s.scheduled)]?.temporal.push(s.start - s.scheduled);
    for (const r of recorded) byFire[fireOf(r.scheduled)]?.recorded.push(r.start - r.scheduled);
    return {
      count,
      fires,
      spreadS: options.spreadS,
      createS,
      createMs,
      deleteS,
      failed,
      lateJobs,
      missed: count * fires - started.length,
      missedSample,
      temporalLate: byFire.flatMap((f) => f.temporal),
      recordedLate: byFire.flatMap((f) => f.recorded),
      byFire,
      burstCpu,
      peakCpu: sampler.peak(firstFire - 500, lastFire + BURST_MS),
      burstMs: fires * burstMs,
      idleCpu: idle,
      idleMs: 60_000 - BURST_MS - 500,
    };
  } finally {
    sampler.stop();
  }
}

const describe = (reply: Reply<unknown>): string => `${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`;

function sum(uses: CpuUse[]): CpuUse {
  const out: CpuUse = {};
  for (const use of uses) for (const [name, ms] of Object.entries(use)) out[name] = (out[name] ?? 0) + ms;
  return out;
}

interface RunRow {
  trigger: string;
  scheduled_at: string | null;
  started_at: string;
}

interface RunStart {
  jobId: string;
  scheduled: number;
  start: number;
}

/**
 * Every job's schedule runs as the API records them (`GET /jobs/:id/runs`: scheduled_at, started_at), asking again
 * for the jobs that lack some until `deadline`.
 */
async function collectRuns(stack: JobsStack, ids: string[], fires: number, deadline: number): Promise<RunStart[]> {
  const runs = new Map<string, RunStart[]>();
  let missing = ids;
  for (;;) {
    await pool(missing, 8, async (id) => {
      const reply = await stack.call<{ runs: RunRow[] }>('GET', `/jobs/${id}/runs`);
      if (reply.status !== 200) return;
      const rows = reply.body.runs.filter((r) => r.trigger === 'schedule' && r.scheduled_at !== null);
      runs.set(
        id,
        rows.map((r) => ({ jobId: id, scheduled: Date.parse(r.scheduled_at!), start: Date.parse(r.started_at) })),
      );
    });
    missing = ids.filter((id) => (runs.get(id)?.length ?? 0) < fires);
    if (missing.length === 0 || Date.now() > deadline) break;
    await sleep(10_000);
  }
  return [...runs.values()].flat();
}

/** The run workflows' own start times in Temporal, against the time each was scheduled for. */
async function temporalStarts(stack: JobsStack, ids: Set<string>, firstFire: number): Promise<RunStart[]> {
  const out: RunStart[] = [];
  const since = new Date(firstFire - 5000).toISOString();
  for await (const info of stack.client.workflow.list({ query: `BorgFlow = "job-run" AND StartTime >= "${since}"`, pageSize: 1000 })) {
    const jobId = info.typedSearchAttributes.get(jobIdKey);
    const scheduled = info.typedSearchAttributes.get(scheduledStartKey);
    if (jobId === undefined || !ids.has(jobId) || scheduled === undefined) continue;
    out.push({ jobId, scheduled: scheduled.getTime(), start: info.startTime.getTime() });
  }
  return out;
}

/**
 * Asks a sample of the schedules that started fewer runs than they fired why (their own count of fires dropped
 * for being later than the catch-up window). Asked after the stage: a describe is a query, which wakes the schedule.
 */
async function whyMissed(stack: JobsStack, ids: string[], started: RunStart[], fires: number): Promise<LatenessResult['missedSample']> {
  const runs = new Map<string, number>();
  for (const s of started) runs.set(s.jobId, (runs.get(s.jobId) ?? 0) + 1);
  const short = ids.filter((id) => (runs.get(id) ?? 0) < fires).slice(0, MISSED_SAMPLE);
  let missedCatchupWindow = 0;
  let skippedOverlap = 0;
  await pool(short, 5, async (id) => {
    const described = await stack.client.schedule.getHandle(jobScheduleId(id)).describe();
    missedCatchupWindow += described.info.numActionsMissedCatchupWindow;
    skippedOverlap += described.info.numActionsSkippedOverlap;
  });
  return { asked: short.length, missedCatchupWindow, skippedOverlap };
}
