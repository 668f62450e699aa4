import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../core/db/database.js';
import { JournalIngester } from './ingest.js';
import type { IngestReport } from './ingest.js';
import { journalDir } from './journal.js';

export interface IngestWorkerData {
  dbFile: string;
  intervalMs: number;
}

/** `flush`: ingest now and answer; `stop`: ingest what is left (deleting the segments of runs that closed), close, end. */
export type ToIngestWorker = { type: 'flush'; seq: number } | { type: 'stop'; closedRuns: string[] };

export type FromIngestWorker =
  { type: 'ingested'; seq: number | null; report: IngestReport } | { type: 'failed'; seq: number | null; error: string };

const port = parentPort!;
// Decisions are already safe in the journal, so moving them can wait for a free CPU: when both want
// one, request handling goes first. On Linux a nice value belongs to the thread that sets it.
if (process.platform === 'linux') setPriority(10);
const { dbFile, intervalMs } = (workerData as { data: IngestWorkerData }).data;
// Its own connection: the inserts, the commits and the WAL checkpoints they trigger stay off the API's thread.
const db = openDatabase(dbFile);
const ingester = new JournalIngester(db, journalDir(dbFile));

function ingest(seq: number | null, closedRuns: string[] = []): void {
  try {
    port.postMessage({ type: 'ingested', seq, report: ingester.ingest(closedRuns) } satisfies FromIngestWorker);
  } catch (err) {
    port.postMessage({ type: 'failed', seq, error: err instanceof Error ? err.message : String(err) } satisfies FromIngestWorker);
  }
}

ingest(null);
const timer = setInterval(() => ingest(null), intervalMs);
port.on('message', (message: ToIngestWorker) => {
  if (message.type === 'flush') return ingest(message.seq);
  clearInterval(timer);
  ingest(null, message.closedRuns);
  db.close();
  port.close();
});
