import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockOnceOwnerDies, procStat } from '../../../src/core/temporal/leftover.js';
import { tempDir } from '../../support/stack.js';
import { zombie } from '../../support/zombie.js';

/** The pid file a run writes beside the Temporal database: the server, then the owner with its start time. */
function pidFile(owner: number): string {
  const dbFile = join(tempDir(), 'temporal.db');
  writeFileSync(`${dbFile}.pid`, `1\n${owner} ${procStat(owner)?.start ?? '0'}\n`);
  return dbFile;
}

describe('a start that finds the lock of its Temporal server held', () => {
  it('waits while the run that holds it is being killed, and takes the lock once it is let go', async () => {
    const dbFile = pidFile((await zombie()).pid);
    let tries = 0;
    const started = Date.now();
    expect(await lockOnceOwnerDies(dbFile, () => (++tries >= 4 ? 'lock' : undefined))).toBe('lock');
    expect(tries).toBe(4);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('does not wait on a run that is alive, nor on one already gone (then someone else holds the lock)', async () => {
    const gone = spawn('true');
    await new Promise((resolve) => gone.once('exit', resolve));
    for (const owner of [process.pid, gone.pid!]) {
      let tries = 0;
      expect(await lockOnceOwnerDies(pidFile(owner), () => (++tries, 'lock'))).toBeUndefined();
      expect(tries).toBe(0);
    }
  });
});
