import type { EventLog } from './event-log.js';

export interface RetentionOptions {
  days: number;
  everyMs?: number;
  /** Rows per delete: each is one short transaction, so writers never wait long for the lock. */
  batch?: number;
  /** Deletes per round at most; what is left goes next round. */
  maxBatches?: number;
  onError: (err: unknown) => void;
}

const DAY_MS = 86_400_000;

/** Deletes events older than `days`, in small batches, one round now and one every `everyMs`; returns the stop. */
export function startRetention(log: EventLog, options: RetentionOptions): () => void {
  const { days, everyMs = 60_000, batch = 500, maxBatches = 20, onError } = options;
  let stopped = false;
  const round = (left: number): void => {
    if (stopped) return;
    try {
      const cutoff = new Date(Date.now() - days * DAY_MS).toISOString();
      // Between batches, the event loop (and other writers) get their turn.
      if (log.prune(cutoff, batch) === batch && left > 1) setImmediate(() => round(left - 1));
    } catch (err) {
      onError(err);
    }
  };
  round(maxBatches);
  const timer = setInterval(() => round(maxBatches), everyMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
