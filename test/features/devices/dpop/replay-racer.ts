// One API replica racing another for the same jtis: claims `count` jtis, in the given order, as soon as the
// shared start time comes, then prints the ones it won, as JSON.
import { openDatabase } from '../../../../src/core/db/database.js';
import { DpopReplayRepository } from '../../../../src/features/devices/dpop/replay-repository.js';

const [file, startAt, count, order] = process.argv.slice(2);
const jtis = Array.from({ length: Number(count) }, (_, i) => `jti-${i}`);
if (order === 'backward') jtis.reverse();
const replays = new DpopReplayRepository(openDatabase(file!));
const expiresAt = new Date(Date.now() + 60_000).toISOString();
while (Date.now() < Number(startAt)) {
  // Spin rather than sleep, so both processes start within the same millisecond.
}
const won = jtis.filter((jti) => replays.firstUse('jkt', jti, expiresAt));
process.stdout.write(JSON.stringify(won));
