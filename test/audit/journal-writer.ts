import { createInterface } from 'node:readline';
import { DecisionJournal } from '../../src/audit/journal.js';
import { canonicalJson } from '../../src/audit/chain.js';
import { decisionRow } from '../support/audit.js';

// `node --import tsx test/audit/journal-writer.ts DIR`: a DecisionJournal in its own process. It prints
// its run, then for each stdin line `N` appends N decisions in one batch and prints `{ ids, error? }` as JSON.
const journal = new DecisionJournal(process.argv[2]!);
process.stdout.write(`${JSON.stringify({ run: journal.run })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const rows = Array.from({ length: Number(line) }, decisionRow);
  let error: string | undefined;
  try {
    journal.append(rows.map(canonicalJson));
  } catch (err) {
    error = (err as NodeJS.ErrnoException).code;
  }
  process.stdout.write(`${JSON.stringify({ ids: rows.map((r) => r.id), error })}\n`);
}
journal.close();
