/** How a batch hands each caller its own result, or the error that failed the whole batch. */
export type Settle<R> = (err: Error | null, result?: R) => void;

interface Waiting<T, R> {
  item: T;
  settle: Settle<R>;
}

/**
 * Group commit: items submitted in the same event-loop turn are written together, so under load
 * one write (a journal append, a transaction) serves many callers; each caller hears of its own
 * result only once the batch is written. A write costs far more than an item, so this multiplies
 * throughput. Callbacks, not promises: on the hottest route a promise per caller shows.
 */
export class GroupCommit<T, R> {
  private queue: Waiting<T, R>[] = [];
  private scheduled = false;

  /** `write` returns one result per item, in order; if it throws, every item of that batch gets the error. */
  constructor(private readonly write: (items: T[]) => R[]) {}

  submit(item: T, settle: Settle<R>): void {
    this.queue.push({ item, settle });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    let results: R[] | undefined;
    let failure: Error | null = null;
    try {
      results = this.write(batch.map((w) => w.item));
    } catch (err) {
      failure = err as Error;
    }
    // Every caller hears, even if one's callback throws: that error is raised once the rest are settled.
    const thrown: unknown[] = [];
    for (let i = 0; i < batch.length; i++) {
      try {
        batch[i]!.settle(failure, results?.[i]);
      } catch (err) {
        thrown.push(err);
      }
    }
    if (thrown.length > 0) throw thrown[0];
  }
}
