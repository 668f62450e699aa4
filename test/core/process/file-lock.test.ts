import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tryLock } from '../../../src/core/process/file-lock.js';
import { lockInAnotherProcess } from '../../support/lock-holder.js';
import { tempDir } from '../../support/stack.js';

describe('tryLock', () => {
  it('creates the file, refuses a second holder until release, then lets it in', () => {
    const file = join(tempDir(), 'x.lock');
    const first = tryLock(file);
    expect(first).toBeDefined();
    expect(existsSync(file)).toBe(true);
    expect(tryLock(file)).toBeUndefined();
    first!.release();
    first!.release();
    const second = tryLock(file);
    expect(second).toBeDefined();
    second!.release();
  });

  it('refuses while another process holds it, and is free the moment that process is SIGKILLed', async () => {
    const file = join(tempDir(), 'x.lock');
    const { holder, said } = await lockInAnotherProcess(file);
    expect(said).toBe('locked');
    expect(tryLock(file)).toBeUndefined();
    const { said: third } = await lockInAnotherProcess(file);
    expect(third).toBe('busy');

    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    const mine = tryLock(file);
    expect(mine).toBeDefined();
    mine!.release();
  });
});
