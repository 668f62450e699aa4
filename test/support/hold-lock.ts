import { tryLock } from '../../src/core/process/file-lock.js';

// `node --import tsx test/support/hold-lock.ts FILE`: another process that holds FILE's lock until it is killed.
const lock = tryLock(process.argv[2]!);
process.stdout.write(lock ? 'locked\n' : 'busy\n');
if (lock) setInterval(() => {}, 60_000);
