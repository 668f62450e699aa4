/** `tsx build/iso/compare.ts` as a user runs it: exit 0 identical, 1 different, 2 on errors. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTsx } from '../pipeline/run-tsx.js';

const dir = mkdtempSync(join(tmpdir(), 'borg-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const compare = (...args: string[]) => runTsx('build/iso/compare.ts', args);

/** Two files with the given contents, named for the test that uses them. */
function pair(name: string, first: string, second: string): [string, string] {
  const files: [string, string] = [join(dir, `${name}-1.iso`), join(dir, `${name}-2.iso`)];
  writeFileSync(files[0], first);
  writeFileSync(files[1], second);
  return files;
}

describe('build/iso/compare.ts', () => {
  it('exits 2 naming a missing file, not 1 ("they differ")', async () => {
    const missing = join(dir, 'nope1.iso');
    const { code, stdout, stderr } = await compare(missing, join(dir, 'nope2.iso'));
    expect(code).toBe(2);
    expect(stderr).toBe(`compare: ${missing}: no such file\n`);
    expect(stdout).toBe('');
  });

  it('exits 2 naming a directory given as an ISO', async () => {
    const iso = join(dir, 'a.iso');
    writeFileSync(iso, 'same');
    mkdirSync(join(dir, 'sub'));
    const { code, stderr } = await compare(iso, join(dir, 'sub'));
    expect(code).toBe(2);
    expect(stderr).toBe(`compare: ${join(dir, 'sub')}: not a regular file\n`);
  });

  it('exits 0 for two identical files', async () => {
    const { code, stdout } = await compare(...pair('same', 'same bytes', 'same bytes'));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^identical: both ISOs have sha256 [0-9a-f]{64}$/m);
  });

  it('exits 2 when a file cannot be unpacked as an ISO', async () => {
    const [first, second] = pair('plain', 'not an iso', 'not an iso either');
    const { code, stderr } = await compare(first, second);
    expect(code).toBe(2);
    expect(stderr).toBe(`compare: ${first}: no files in it; expected an ISO 9660 image\n`);
  });
});
