import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockCache } from '../../../build/iso/work-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'borg-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('package cache lock', () => {
  it('is released by the holder', async () => {
    const cache = join(dir, 'a');
    const unlock = await lockCache(cache, () => undefined);
    expect(existsSync(`${cache}.lock`)).toBe(true);
    unlock();
    expect(existsSync(`${cache}.lock`)).toBe(false);
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const cache = join(dir, 'b');
    writeFileSync(`${cache}.lock`, '2147483646');
    const unlock = await lockCache(cache, () => undefined);
    unlock();
  });

  it('waits for a live holder, says so, and gives up after the timeout naming the holder', async () => {
    const cache = join(dir, 'c');
    writeFileSync(`${cache}.lock`, String(process.pid));
    const said: string[] = [];
    await expect(lockCache(cache, (line) => said.push(line), { timeoutMs: 0 })).rejects.toThrow(`waiting for build pid ${process.pid}`);
    expect(said).toEqual([]);
    const waiting = lockCache(cache, (line) => said.push(line), { timeoutMs: 100, pollMs: 10 });
    await expect(waiting).rejects.toThrow(/gave up after/);
    expect(said[0]).toContain(`waiting for another build (pid ${process.pid})`);
  });
});
