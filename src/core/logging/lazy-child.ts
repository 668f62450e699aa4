import { levels } from 'pino';
import type { BaseLogger, Bindings, ChildLoggerOptions } from 'pino';

/** What a request logger must offer (the shape Fastify checks for). */
export type RequestLogger = Pick<BaseLogger, 'level' | 'info' | 'error' | 'debug' | 'fatal' | 'warn' | 'trace' | 'silent'> & {
  child(bindings: Bindings, options?: ChildLoggerOptions): RequestLogger;
};

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
type Args = [obj: unknown, msg?: string, ...rest: unknown[]];

/**
 * A per-request logger that makes pino's child (which serialises and redacts its bindings) only when
 * a line at an enabled level is written. Most requests on a quiet route never log, and for them the
 * child cost more than the route's own work.
 */
class LazyChildLogger {
  private made: RequestLogger | undefined;
  private readonly threshold: number;
  readonly level: string;

  constructor(
    private readonly parent: RequestLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {
    this.level = options.level ?? parent.level;
    this.threshold = this.level === 'silent' ? Infinity : (levels.values[this.level] ?? 0);
  }

  trace(...args: Args): void {
    this.write('trace', args);
  }

  debug(...args: Args): void {
    this.write('debug', args);
  }

  info(...args: Args): void {
    this.write('info', args);
  }

  warn(...args: Args): void {
    this.write('warn', args);
  }

  error(...args: Args): void {
    this.write('error', args);
  }

  fatal(...args: Args): void {
    this.write('fatal', args);
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): RequestLogger {
    return this.real().child(bindings, options);
  }

  private write(level: Level, args: Args): void {
    if (levels.values[level]! < this.threshold) return;
    this.real()[level](...args);
  }

  private real(): RequestLogger {
    this.made ??= this.parent.child(this.bindings, this.options);
    return this.made;
  }
}

/** Fastify's `childLoggerFactory`, deferring the child until it is needed. */
export function lazyChildLogger(parent: RequestLogger, bindings: Bindings, options: ChildLoggerOptions): RequestLogger {
  return new LazyChildLogger(parent, bindings, options);
}
