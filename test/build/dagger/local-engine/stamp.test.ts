import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearStamp, isFresh, stampedKey, stampKey, writeStamp } from '../../../../build/dagger/local-engine/lib/stamp.js';

let dir: string;
let stamp: string;
let output: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'borg-local-engine-stamp-'));
  stamp = path.join(dir, 'stamps', 'piece.json');
  output = path.join(dir, 'piece.bin');
  writeFileSync(output, 'built');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('stamps', () => {
  it('gives equal inputs equal keys and any change a new key', () => {
    const inputs = { version: 'v0.21.8', tags: ['dfparents'] };
    expect(stampKey(inputs)).toBe(stampKey({ version: 'v0.21.8', tags: ['dfparents'] }));
    expect(stampKey(inputs)).not.toBe(stampKey({ version: 'v0.21.9', tags: ['dfparents'] }));
    expect(stampKey(inputs)).not.toBe(stampKey({ version: 'v0.21.8', tags: [] }));
  });

  it('is fresh only for the key it was written with', () => {
    const key = stampKey({ input: 1 });
    expect(isFresh(stamp, key)).toBe(false);
    writeStamp(stamp, key, [output]);
    expect(isFresh(stamp, key)).toBe(true);
    expect(stampedKey(stamp)).toBe(key);
    expect(isFresh(stamp, stampKey({ input: 2 }))).toBe(false);
  });

  it('is stale when an output file was deleted or cut short', () => {
    const key = stampKey({ input: 1 });
    writeStamp(stamp, key, [output]);
    truncateSync(output, 2);
    expect(isFresh(stamp, key)).toBe(false);
    rmSync(output);
    expect(isFresh(stamp, key)).toBe(false);
  });

  it('takes a directory output by its being there, whatever it holds', () => {
    const tree = path.join(dir, 'tree');
    mkdirSync(tree);
    const key = stampKey({ input: 1 });
    writeStamp(stamp, key, [tree]);
    writeFileSync(path.join(tree, 'go.sum'), 'changed by a later build');
    expect(isFresh(stamp, key)).toBe(true);
    rmSync(tree, { recursive: true });
    expect(isFresh(stamp, key)).toBe(false);
  });

  it('is stale once cleared and when the stamp does not parse', () => {
    const key = stampKey({ input: 1 });
    writeStamp(stamp, key, [output]);
    clearStamp(stamp);
    expect(isFresh(stamp, key)).toBe(false);
    writeFileSync(stamp, '{"key":');
    expect(isFresh(stamp, key)).toBe(false);
    expect(stampedKey(stamp)).toBeUndefined();
  });

  it('refuses to stamp an output that is not there', () => {
    expect(() => writeStamp(stamp, 'k', [path.join(dir, 'missing')])).toThrow(
      `cannot stamp ${path.join(dir, 'missing')}: it does not exist`,
    );
  });
});
