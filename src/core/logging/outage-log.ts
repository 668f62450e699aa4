import type { BaseLogger } from 'pino';

/**
 * One warning when a dependency stops answering and one when it answers again, with how many calls failed
 * meanwhile. Logged per call, a three-minute Temporal outage wrote dozens of stack traces under light traffic.
 */
export class OutageLog {
  private since: number | undefined;
  private failures = 0;

  constructor(
    private readonly log: Pick<BaseLogger, 'warn'>,
    private readonly what: string,
  ) {}

  /** A call the dependency did not answer; only the first of an outage is written, with its cause. */
  failed(err: unknown): void {
    this.failures += 1;
    if (this.since !== undefined) return;
    this.since = Date.now();
    this.log.warn(
      { cause: err instanceof Error ? err.message : String(err) },
      `${this.what} does not answer; what needs it is refused until it does`,
    );
  }

  /** A call the dependency answered: ends the outage, if there was one. */
  answered(): void {
    if (this.since === undefined) return;
    const seconds = Math.round((Date.now() - this.since) / 1000);
    this.log.warn(
      { failed_calls: this.failures, outage_s: seconds },
      `${this.what} answers again after ${seconds} s; ${this.failures} calls failed meanwhile`,
    );
    this.since = undefined;
    this.failures = 0;
  }
}
