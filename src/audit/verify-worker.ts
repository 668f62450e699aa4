import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { AuditLogRepository } from './audit-log.js';
import { verifyChainAgainst } from './chain.js';
import type { ChainReport } from './chain.js';

export interface VerifyWorkerData {
  dbFile: string;
  /** One report comes back for each, in this order; undefined asks for none. */
  keptHeads: (string | undefined)[];
}

export type FromVerifyWorker = ChainReport[];

// As the ingest thread: when a CPU is wanted by both, request handling goes first.
if (process.platform === 'linux') setPriority(10);
const { dbFile, keptHeads } = (workerData as { data: VerifyWorkerData }).data;
// Its own connection, read-only: a verify can never write to the log it checks. WAL gives it one snapshot
// for the whole walk while the API goes on appending.
const db = new Database(dbFile, { readonly: true });
try {
  parentPort!.postMessage(verifyChainAgainst(new AuditLogRepository(db).rows(), keptHeads) satisfies FromVerifyWorker);
} finally {
  db.close();
}
