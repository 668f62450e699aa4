import { processCpu } from './process-cpu.js';

/** The small arithmetic and timing helpers of the benchmarks. */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** The nearest-rank percentile of samples; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export const fixed = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** Milliseconds as people read them: "840 ms", "1.25 s". */
export const duration = (ms: number): string =>
  !Number.isFinite(ms) ? 'n/a' : Math.abs(ms) < 1000 ? `${fixed(ms, Math.abs(ms) < 10 ? 1 : 0)} ms` : `${fixed(ms / 1000, 2)} s`;

/** p50, p99 and max of a distribution, in one line. */
export const spread = (values: readonly number[]): string =>
  `p50 ${duration(percentile(values, 50))}, p99 ${duration(percentile(values, 99))}, max ${duration(Math.max(...values))}`;

/** Runs `work` for every item with at most `limit` at once. */
export async function pool<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runner = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
}

/** CPU milliseconds (user + system, all threads) each named process used between two readings. */
export type CpuUse = Record<string, number>;

/**
 * Reads the CPU of named processes from /proc once a second, so a stage can ask afterwards what each used in any
 * window, and at its busiest second: a schedule's burst lasts a few seconds, and an average over the minute hides it.
 */
export class CpuSampler {
  private readonly samples: { at: number; cpu: CpuUse }[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pids: Record<string, number>) {
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
  }

  private sample(): void {
    const cpu: CpuUse = {};
    for (const [name, pid] of Object.entries(this.pids)) cpu[name] = (processCpu(pid)?.all ?? NaN) / 1000;
    this.samples.push({ at: Date.now(), cpu });
  }

  /** CPU ms each process used from the last sample at or before `from` to the first at or after `to`. */
  used(from: number, to: number): CpuUse {
    this.sample();
    const first = [...this.samples].reverse().find((s) => s.at <= from) ?? this.samples[0]!;
    const last = this.samples.find((s) => s.at >= to) ?? this.samples.at(-1)!;
    return Object.fromEntries(Object.keys(this.pids).map((name) => [name, last.cpu[name]! - first.cpu[name]!]));
  }

  /** Each process's busiest one-second step between `from` and `to`, in percent of one core. */
  peak(from: number, to: number): CpuUse {
    const out: CpuUse = Object.fromEntries(Object.keys(this.pids).map((name) => [name, 0]));
    for (let i = 1; i < this.samples.length; i++) {
      const [a, b] = [this.samples[i - 1]!, this.samples[i]!];
      if (b.at < from || a.at > to) continue;
      for (const name of Object.keys(out)) out[name] = Math.max(out[name]!, (100 * (b.cpu[name]! - a.cpu[name]!)) / (b.at - a.at));
    }
    return out;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
