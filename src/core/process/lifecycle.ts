import type { Logger } from 'pino';

type Closer = () => Promise<void> | void;

/**
 * Runs what was started in reverse order on SIGINT/SIGTERM (or a fatal error), so the API drains
 * before the worker stops, the worker before Temporal, and the database closes last.
 */
export class Lifecycle {
  private readonly closers: { name: string; close: Closer }[] = [];
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly log: Logger,
    private readonly timeoutMs: number,
  ) {}

  onStop(name: string, close: Closer): void {
    this.closers.push({ name, close });
  }

  /** Stops everything once; later calls wait for the same stop. */
  stop(reason: string): Promise<void> {
    this.stopping ??= this.runClosers(reason);
    return this.stopping;
  }

  private async runClosers(reason: string): Promise<void> {
    this.log.info({ reason }, 'shutting down');
    for (const { name, close } of [...this.closers].reverse()) {
      try {
        await close();
        this.log.info({ part: name }, 'stopped');
      } catch (err) {
        this.log.error({ err, part: name }, 'failed to stop cleanly');
      }
    }
  }

  /**
   * First signal stops cleanly within the timeout; a second one, or the timeout, forces exit.
   * npm relays the terminal's Ctrl-C that we also receive directly, so a repeat within a second is the same press.
   */
  handleSignals(exit: (code: number) => never = (code) => process.exit(code)): void {
    let firstAt = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (this.stopping) {
        if (Date.now() - firstAt < 1000) return;
        this.log.warn({ signal }, 'second signal: exiting now');
        exit(130);
        return;
      }
      firstAt = Date.now();
      const timer = setTimeout(() => {
        this.log.error({ timeoutMs: this.timeoutMs }, 'shutdown timed out: exiting now');
        exit(1);
      }, this.timeoutMs);
      timer.unref();
      void this.stop(signal).then(() => {
        clearTimeout(timer);
        exit(0);
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
}
