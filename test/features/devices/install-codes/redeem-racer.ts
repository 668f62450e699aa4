// One API replica racing another for the last use of the same install codes: redeems every code in the file, in the
// given order, as soon as the shared start time comes, then prints the ids of the codes it won, as JSON.
import { readFileSync } from 'node:fs';
import { openDatabase } from '../../../../src/core/db/database.js';
import { InstallCodeService } from '../../../../src/features/devices/install-codes/service.js';

const [file, codesFile, startAt, order] = process.argv.slice(2);
const codes = JSON.parse(readFileSync(codesFile!, 'utf8')) as string[];
if (order === 'backward') codes.reverse();
const service = new InstallCodeService(openDatabase(file!));
while (Date.now() < Number(startAt)) {
  // Spin rather than sleep, so both processes start within the same millisecond.
}
const won: string[] = [];
const lost: string[] = [];
for (const code of codes) {
  const result = service.redeem(code, new Date().toISOString());
  if (result.ok) won.push(result.code.id);
  else lost.push(result.reason);
}
process.stdout.write(JSON.stringify({ won, lost }));
