import { JournalIngester } from '../../src/audit/ingest.js';
import { journalDir } from '../../src/audit/journal.js';
import { openDatabase } from '../../src/core/db/database.js';

// `node --import tsx test/audit/ingest-once.ts DB_FILE`: one ingest round from another process; prints its report.
const db = openDatabase(process.argv[2]!);
process.stdout.write(`${JSON.stringify(new JournalIngester(db, journalDir(process.argv[2]!)).ingest())}\n`);
db.close();
