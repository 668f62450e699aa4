// Node 20 worker threads do not inherit tsx's loader, so a TypeScript worker starts here and is imported through tsx.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.module, import.meta.url);
