import type { CheckResult } from '../schemas/health.js';

/**
 * A check that may hang (Temporal while it is down: its client waits out its deadline) answered within `answerWithinMs`:
 * when the live check takes longer, the last result it gave, with its age. One live check runs at a time; callers
 * meanwhile share it, so a burst of probes does not pile calls up on a server that does not answer.
 */
export class LastKnownCheck {
  private last: { result: CheckResult; at: number } | undefined;
  private running: Promise<CheckResult> | undefined;

  constructor(
    private readonly check: () => Promise<CheckResult>,
    private readonly answerWithinMs: number,
    /** What to answer before any live check finished. */
    private readonly unknown: () => CheckResult,
  ) {}

  /** Resolves once no live check runs: one still running must not outlive what it uses (the Temporal connection). */
  async settled(): Promise<void> {
    await this.running;
  }

  async result(): Promise<CheckResult> {
    this.running ??= this.check().then((result) => {
      this.last = { result, at: Date.now() };
      this.running = undefined;
      return result;
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.answerWithinMs);
    });
    const live = await Promise.race([this.running, late]);
    clearTimeout(timer);
    if (live) return live;
    return this.last ? { ...this.last.result, age_ms: Date.now() - this.last.at } : this.unknown();
  }
}
