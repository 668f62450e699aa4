import type { Worker } from 'node:worker_threads';
import type { BaseLogger } from 'pino';
import { AppError } from '../errors.js';
import { startTypeScriptWorker } from '../process/typescript-worker.js';
import type { FromIngestWorker, IngestWorkerData, ToIngestWorker } from './ingest-worker.js';

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The thread that moves the decision journal into the audit chain, every `intervalMs` and on
 * demand. It ingests whatever an earlier run left before it reports ready, and what is left at stop.
 */
export class JournalIngestThread {
  private readonly waiters = new Map<number, Waiter>();
  private seq = 0;
  private stopping = false;

  private constructor(
    private readonly worker: Worker,
    private readonly log: Pick<BaseLogger, 'error' | 'warn' | 'info'>,
  ) {}

  static start(dbFile: string, log: Pick<BaseLogger, 'error' | 'warn' | 'info'>, intervalMs = 100): Promise<JournalIngestThread> {
    const worker = startTypeScriptWorker(new URL('./ingest-worker.ts', import.meta.url), { dbFile, intervalMs } satisfies IngestWorkerData);
    const thread = new JournalIngestThread(worker, log);
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (message: FromIngestWorker) => {
        if (!ready) {
          ready = true;
          if (message.type === 'failed') reject(new Error(`the decision journal could not be ingested: ${message.error}`));
          else {
            if (message.report.rows > 0) log.info({ ...message.report }, 'decision journal recovered into the audit chain');
            resolve(thread);
          }
        }
        thread.settle(message);
      });
      worker.on('error', (err) => {
        log.error({ err }, 'the decision journal thread failed');
        reject(err);
      });
      worker.on('exit', (code) => {
        for (const waiter of thread.waiters.values()) waiter.reject(unavailable(`the journal thread exited with code ${code}`));
        thread.waiters.clear();
        if (!thread.stopping) log.error({ code }, 'the decision journal thread stopped; decisions stay in the journal until the next start');
      });
    });
  }

  /** Resolves once every decision written before the call is in the audit chain: reads of the log call this first. */
  flush(): Promise<void> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiters.set(seq, { resolve, reject });
      this.worker.postMessage({ type: 'flush', seq } satisfies ToIngestWorker);
    });
  }

  /** Ingests what is left and ends the thread. */
  async stop(): Promise<void> {
    this.stopping = true;
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.postMessage({ type: 'stop' } satisfies ToIngestWorker);
    await exited;
  }

  private settle(message: FromIngestWorker): void {
    if (message.type === 'failed') this.log.error({ error: message.error }, 'decision journal ingest failed; it will be retried');
    else if (message.report.discardedBytes > 0) this.log.warn({ ...message.report }, 'a torn journal line from a crashed run was dropped (its request got no reply)');
    if (message.seq === null) return;
    const waiter = this.waiters.get(message.seq);
    this.waiters.delete(message.seq);
    if (message.type === 'failed') waiter?.reject(unavailable(message.error));
    else waiter?.resolve();
  }
}

function unavailable(why: string): AppError {
  return new AppError(503, 'DECISION_LOG_UNAVAILABLE', `the decision log cannot be brought up to date: ${why}`);
}
