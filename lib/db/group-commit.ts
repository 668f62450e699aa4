interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: items submitted in the same event-loop turn are written together, so under load
 * one write (a journal append, a transaction) serves many callers; each caller's promise settles
 * with its own result only once the batch is written. A write costs far more than an item, so this
 * multiplies throughput.
 */
export class GroupCommit<T, R> {
  private queue: Waiting<T, R>[] = [];
  private scheduled = false;

  /** `write` returns one result per item, in order; if it throws, every item of that batch rejects with the error. */
  constructor(private readonly write: (items: T[]) => R[]) {}

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    let results: R[];
    try {
      results = this.write(batch.map((w) => w.item));
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i]!));
  }
}
