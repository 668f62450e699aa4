import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prettierFindings } from '../../../build/pipeline/lint.js';
import { repoRoot } from '../../../build/pipeline/paths.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'borg-prettier-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The real `prettier --check .`, as S0 runs it (FORCE_COLOR=0 from the step runner, which Prettier takes as colour on), over a directory of its own. */
function prettierCheck(files: Record<string, string>): { status: number | null; stderr: string } {
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  writeFileSync(path.join(dir, '.prettierrc.json'), '{ "singleQuote": true }\n');
  return spawnSync(path.join(repoRoot, 'node_modules', '.bin', 'prettier'), ['--check', '.'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
  });
}

describe('S0 lint: Prettier findings', () => {
  it('counts each file Prettier would change and each file it cannot parse', () => {
    const run = prettierCheck({
      'good.ts': "export const a = { b: 'c' };\n",
      'loose.ts': 'export const a = {b:"c"}\n',
      'wide.ts': 'export const x = [1,2]\n',
      'broken.ts': 'const = ;\n',
    });
    expect(run.status).toBe(2);
    expect(prettierFindings(run.stderr)).toEqual({ unformatted: ['loose.ts', 'wide.ts'], unparsable: ['broken.ts'] });
  });

  it('finds nothing when every file is formatted', () => {
    const run = prettierCheck({ 'good.ts': "export const a = { b: 'c' };\n" });
    expect(run.status).toBe(0);
    expect(prettierFindings(run.stderr)).toEqual({ unformatted: [], unparsable: [] });
  });
});
