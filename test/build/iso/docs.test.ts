/** docs/iso.md documents what the ISO scripts' --help offers. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runTsx } from '../pipeline/run-tsx.js';

const docs = readFileSync(join(repoRoot, 'docs/iso.md'), 'utf8');
const optionsIn = (help: string): string[] =>
  [...help.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1] ?? '').filter((o) => o !== '--help');
/** The comma-separated package list after --install-deps, up to the closing parenthesis. */
const installDepsList = (text: string): string[] => (/--install-deps`?[^(\n]*\(([^)]*)\)/.exec(text)?.[1] ?? '').split(/,\s*/);

describe('docs/iso.md', () => {
  it.each([['build/iso/build.ts'], ['build/iso/boot.ts']])('documents every option of %s --help', async (script) => {
    const { code, stdout } = await runTsx(script, ['--help']);
    expect(code).toBe(0);
    const options = optionsIn(stdout);
    expect(options.length).toBeGreaterThan(3);
    for (const option of options) expect(docs, `${script} ${option}`).toContain(`\`${option}`);
  });

  it('lists the same --install-deps packages as npm run iso -- --help', async () => {
    const { stdout } = await runTsx('build/iso/build.ts', ['--help']);
    const fromHelp = installDepsList(stdout);
    expect(fromHelp).toEqual(expect.arrayContaining(['live-build', 'xorriso', 'squashfs-tools', 'cpio', 'rsync', 'wget']));
    expect(installDepsList(docs)).toEqual(fromHelp);
  });
});
