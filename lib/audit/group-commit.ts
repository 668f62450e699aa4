import type { AuditFields } from './chain.js';

interface Pending {
  fields: AuditFields;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: appends that arrive in the same event-loop turn are written in one transaction,
 * and each caller's promise settles only once its own row is committed. A commit costs far more
 * than a row, so under load this multiplies throughput while every reply still waits for its record.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(private readonly write: (batch: AuditFields[]) => void) {}

  append(fields: AuditFields): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ fields, resolve, reject });
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
    try {
      this.write(batch.map((p) => p.fields));
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    for (const p of batch) p.resolve();
  }
}
