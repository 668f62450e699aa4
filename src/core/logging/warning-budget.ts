import type { BaseLogger } from 'pino';

/**
 * Logs the first `perInterval` occurrences of one warning in each interval, then a single line saying how many
 * more there were. The warning is one a stranger can cause at will (refused credentials), and unbounded it would
 * rotate every other line out of the log files within seconds.
 */
export class WarningBudget {
  private intervalStart = 0;
  private logged = 0;
  private suppressed = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Pick<BaseLogger, 'warn'>,
    private readonly message: string,
    private readonly perInterval: number,
    private readonly intervalMs: number,
  ) {}

  /** Writes the warning to `to` (a request's logger, so it carries the request id) while the budget lasts. */
  warn(to: Pick<BaseLogger, 'warn'>, fields: Record<string, unknown>): void {
    const now = Date.now();
    if (now - this.intervalStart >= this.intervalMs) {
      this.flush();
      this.intervalStart = now;
      this.logged = 0;
    }
    if (this.logged < this.perInterval) {
      this.logged += 1;
      to.warn(fields, this.message);
      return;
    }
    this.suppressed += 1;
    this.timer ??= setTimeout(() => this.flush(), this.intervalStart + this.intervalMs - now).unref();
  }

  /** Reports what the budget held back so far; also at shutdown, so no count is lost. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.suppressed === 0) return;
    const interval = this.intervalMs % 1000 === 0 ? `${this.intervalMs / 1000} s` : `${this.intervalMs} ms`;
    this.log.warn(
      { suppressed: this.suppressed, per_interval: this.perInterval, interval_ms: this.intervalMs },
      `${this.message}: ${this.suppressed} more in ${interval}, beyond the ${this.perInterval} logged one by one`,
    );
    this.suppressed = 0;
  }
}
