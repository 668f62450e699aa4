import type { Worker } from 'node:worker_threads';
import { startTypeScriptWorker } from '../core/process/typescript-worker.js';
import type { ChainReport } from './chain.js';
import type { FromVerifyWorker, VerifyWorkerData } from './verify-worker.js';

type Reports = Map<string | undefined, ChainReport>;

/**
 * Verifies the audit chain on threads of its own: re-hashing the whole log takes seconds per million rows,
 * which on the API's thread would stall every request. One walk runs at a time, and every call made while it
 * runs joins the next walk, which answers all their kept heads at once: however many callers there are, at most
 * one walk runs and one waits, and each caller's answer covers every row written before its call.
 */
export class ChainVerifyThread {
  private next: { keptHeads: Set<string | undefined>; reports: Promise<Reports> } | undefined;
  private previous: Promise<unknown> = Promise.resolve();
  private worker: Worker | undefined;
  private closed = false;

  constructor(private readonly dbFile: string) {}

  verify(keptHead?: string): Promise<ChainReport> {
    if (this.closed) return Promise.reject(closing());
    if (!this.next) {
      const keptHeads = new Set<string | undefined>();
      const reports = this.previous.then(() => {
        this.next = undefined;
        return this.walk([...keptHeads]);
      });
      this.next = { keptHeads, reports };
      this.previous = reports.catch(() => undefined);
    }
    this.next.keptHeads.add(keptHead);
    return this.next.reports.then((reports) => reports.get(keptHead)!);
  }

  /** Ends the walk under way (its callers get an error) and refuses new ones: a walk must not outlive the app. */
  async close(): Promise<void> {
    this.closed = true;
    await this.worker?.terminate();
  }

  private walk(keptHeads: (string | undefined)[]): Promise<Reports> {
    if (this.closed) return Promise.reject(closing());
    const worker = startTypeScriptWorker(new URL('./verify-worker.ts', import.meta.url), {
      dbFile: this.dbFile,
      keptHeads,
    } satisfies VerifyWorkerData);
    this.worker = worker;
    // Settled on exit, not on the answer: a walk is over only once its thread and connection are gone.
    return new Promise((resolve, reject) => {
      let reports: Reports | undefined;
      let failure: Error | undefined;
      worker.once('message', (answer: FromVerifyWorker) => (reports = new Map(keptHeads.map((head, i) => [head, answer[i]!]))));
      worker.once('error', (err) => (failure = new Error(`the audit chain could not be verified: ${err.message}`, { cause: err })));
      worker.once('exit', (code) => {
        this.worker = undefined;
        if (reports) resolve(reports);
        else reject(failure ?? new Error(`the audit chain verify thread ended (exit code ${code}) before it answered`));
      });
    });
  }
}

function closing(): Error {
  return new Error('the server is closing; the audit chain was not verified');
}
