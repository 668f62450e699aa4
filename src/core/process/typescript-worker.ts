import { Worker } from 'node:worker_threads';

/** Starts a worker thread running a TypeScript module; the module reads `data` from `workerData.data`. */
export function startTypeScriptWorker(module: URL, data: unknown): Worker {
  return new Worker(new URL('./typescript-worker-boot.mjs', import.meta.url), { workerData: { module: module.href, data } });
}
