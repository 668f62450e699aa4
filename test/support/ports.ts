import { readFileSync } from 'node:fs';
import { bindError } from '../../src/core/process/ports.js';

// Ports are picked below the kernel's ephemeral range: one picked inside it could be taken, between the pick and
// the server's bind, by any outgoing connection or port-0 listener (a test's embedded Temporal server lost its UI port so).
const ephemeralLow = ((): number => {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 32768;
  }
})();
const LOWEST = 10_000;

/** A TCP port nothing listens on right now, outside the range the kernel hands out on its own. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    // A machine whose ephemeral range starts low gets ports inside it: the old race, no worse.
    const port = LOWEST + Math.floor(Math.random() * Math.max(ephemeralLow - LOWEST, 1000));
    if ((await bindError(port)) === undefined) return port;
  }
  throw new Error(`no free port between ${LOWEST} and ${ephemeralLow}`);
}
