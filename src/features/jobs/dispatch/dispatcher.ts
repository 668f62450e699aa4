import type { RunRepository } from '../repositories/runs.js';

/** How often new work is looked for while devices wait: the most a device waits for work that exists. */
export const WORK_POLL_MS = 250;

/**
 * Wakes devices that long-poll for work when work for them appears. Runs are made by the worker, another
 * process, so one shared timer reads what was added since the last look (one indexed query, and nothing while
 * nobody waits); a waiting device costs a callback, not a thread or a database connection.
 */
export class WorkDispatcher {
  private readonly waiting = new Map<string, Set<() => void>>();
  private seen: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly runs: RunRepository,
    private readonly onError: (err: unknown) => void,
  ) {
    this.seen = runs.lastPartRowid();
  }

  /** Resolves when work for the device may have arrived, after `ms`, or when `signal` aborts, whichever is first. */
  wait(deviceId: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timeout);
        signal.removeEventListener('abort', done);
        const set = this.waiting.get(deviceId);
        set?.delete(done);
        if (set?.size === 0) this.waiting.delete(deviceId);
        if (this.waiting.size === 0) this.stop();
        resolve();
      };
      const timeout = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      if (signal.aborted) return done();
      let set = this.waiting.get(deviceId);
      if (!set) this.waiting.set(deviceId, (set = new Set()));
      set.add(done);
      this.timer ??= setInterval(() => this.look(), WORK_POLL_MS);
    });
  }

  /** Wakes every waiting device (at shutdown, so long polls answer at once). */
  wakeAll(): void {
    for (const set of [...this.waiting.values()]) for (const wake of [...set]) wake();
  }

  private look(): void {
    try {
      const { devices, last } = this.runs.pendingSince(this.seen);
      this.seen = last;
      for (const id of devices) for (const wake of [...(this.waiting.get(id) ?? [])]) wake();
    } catch (err) {
      this.onError(err);
    }
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
