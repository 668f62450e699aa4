// Another process appending to the event log, as the Temporal worker's activities do: appends `count` events of
// `type` about `subject`, in one transaction, then prints their ids as JSON.
import { closeDatabase, openDatabase } from '../../../src/core/db/database.js';
import { EventLog } from '../../../src/core/events/event-log.js';

const [file, type, count, subject] = process.argv.slice(2);
const db = openDatabase(file!);
const log = new EventLog(db);
const ids = db.transaction(() =>
  Array.from({ length: Number(count) }, (_, i) => log.append({ type: type!, subject: subject!, data: { n: i } })),
)();
closeDatabase(db);
process.stdout.write(JSON.stringify(ids));
