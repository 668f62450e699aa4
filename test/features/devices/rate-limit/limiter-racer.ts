// One API replica racing another for the same rate limits: as soon as the shared start time comes, makes `count`
// enrollment calls from one shared address and, in turn with them, `count` calls for one shared device key from an
// address of its own; prints how many of each were admitted, as JSON. Every call is at the same `nowMs`, so the minute
// cannot roll over during the race. Limits are high enough that admitting takes a while, so the two overlap.
import { openDatabase } from '../../../../src/core/db/database.js';
import { DomainError } from '../../../../src/core/errors.js';
import { EnrollRateLimiter } from '../../../../src/features/devices/rate-limit/limiter.js';

const [file, startAt, count, nowMs, ownAddress, perAddress, perKey] = process.argv.slice(2);
const limiter = new EnrollRateLimiter(openDatabase(file!), { perAddress: Number(perAddress), perKey: Number(perKey) });
const admitted = (address: string, fingerprint?: string): boolean => {
  try {
    limiter.hit(address, fingerprint, Number(nowMs));
    return true;
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'rate_limited') return false;
    throw err;
  }
};
// Warm up (statements, page cache) on keys of its own, so neither starts the race slower.
for (let i = 0; i < 50; i++) admitted(`${ownAddress}/warm-up`, `${ownAddress}/warm-up`);
while (Date.now() < Number(startAt)) {
  // Spin rather than sleep, so both processes start within the same millisecond.
}
let address = 0;
let key = 0;
for (let i = 0; i < Number(count); i++) {
  if (admitted('10.9.9.9')) address++;
  if (admitted(ownAddress!, 'race-key')) key++;
}
process.stdout.write(JSON.stringify({ address, key }));
