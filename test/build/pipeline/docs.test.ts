/** docs/pipeline.md documents what `npm run pipeline -- --help` offers. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runTsx } from './run-tsx.js';

const docs = readFileSync(path.join(repoRoot, 'docs/pipeline.md'), 'utf8');

describe('docs/pipeline.md', () => {
  it('documents every option and environment variable --help lists', async () => {
    const { code, stdout } = await runTsx('build/pipeline/run.ts', ['--help']);
    expect(code).toBe(0);
    const options = [...stdout.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]).filter((o) => o !== '--help');
    // Variables are the Environment section's entries and the $NAME defaults of options.
    const variables = [...stdout.matchAll(/^ {2}([A-Z][A-Z_]+) |\$([A-Z][A-Z_]+)/gm)].map((m) => m[1] ?? m[2]);
    expect(options).toContain('--image-tag');
    expect(variables).toContain('BORG_PROFILE');
    for (const name of [...options, ...variables]) expect(docs, name).toContain(`\`${name}`);
  });

  it('says how dagger call ci differs: S4 only with a token', () => {
    expect(docs).toMatch(/`dagger call ci` runs S4 only when given\s+`--github-token`/);
  });
});
