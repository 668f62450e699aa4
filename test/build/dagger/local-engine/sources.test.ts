import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStageContext } from '../../../../build/pipeline/step.js';
import { writeReplacements } from '../../../../build/dagger/local-engine/lib/go.js';
import { layout } from '../../../../build/dagger/local-engine/lib/layout.js';
import { vendoredTarballs } from '../../../../build/dagger/local-engine/lib/pins.js';
import { replacements } from '../../../../build/dagger/local-engine/lib/sources.js';
import { checkModule, checkTarball } from '../../../../build/dagger/local-engine/lib/vendored.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'borg-local-engine-sources-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// npm test needs Go only when the Temporal CLI is missing; the harness itself cannot run without it.
const hasGo = spawnSync('go', ['version']).status === 0;

interface GoModJson {
  Replace: { Old: { Path: string }; New: { Path: string; Version?: string } }[];
}

describe('the replace directives', () => {
  it('point each module the proxy refuses at its vendored folder, relative to the Dagger tree', () => {
    expect(replacements(layout('/cache/v0.21.8'))).toEqual([
      { module: 'github.com/vito/tuist', path: '../vendor/tuist' },
      { module: 'github.com/vito/tuist/teav1', path: '../vendor/tuist-teav1-full/teav1' },
      { module: 'github.com/vito/midterm', path: '../vendor/midterm' },
      { module: 'github.com/vito/dang/v2', path: '../vendor/dang-v2' },
    ]);
  });

  it.skipIf(!hasGo)("are written into Dagger's go.mod by go mod edit, keeping the replaces it had", async () => {
    const tree = layout(dir);
    mkdirSync(tree.source, { recursive: true });
    copyFileSync(path.join(import.meta.dirname, 'fixtures', 'go.mod'), path.join(tree.source, 'go.mod'));
    const ctx = openStageContext(path.join(dir, 'sources.log'), false, () => {});
    await writeReplacements(ctx, tree.source, replacements(tree));
    await ctx.close();
    const goMod = JSON.parse(execFileSync('go', ['mod', 'edit', '-json'], { cwd: tree.source, encoding: 'utf8' })) as GoModJson;
    const replaced = Object.fromEntries(
      goMod.Replace.map((r) => [r.Old.Path, r.New.Version ? `${r.New.Path}@${r.New.Version}` : r.New.Path]),
    );
    expect(replaced).toEqual({
      'dagger.io/dagger': './sdk/go',
      'github.com/dagger/dagger/engine/distconsts': './engine/distconsts',
      'go.etcd.io/bbolt': 'go.etcd.io/bbolt@v1.4.0-beta.0.0.20260422092123-cd4bafc17e45',
      'github.com/vito/tuist': '../vendor/tuist',
      'github.com/vito/tuist/teav1': '../vendor/tuist-teav1-full/teav1',
      'github.com/vito/midterm': '../vendor/midterm',
      'github.com/vito/dang/v2': '../vendor/dang-v2',
    });
  });
});

describe('the vendored tarballs', () => {
  const [tarball] = vendoredTarballs;
  if (tarball === undefined) throw new Error('no vendored tarballs pinned');

  it('are refused when missing, naming where they were looked for', async () => {
    await expect(checkTarball(dir, tarball)).rejects.toThrow(`vendored tarball ${path.join(dir, tarball.file)} not found`);
  });

  it('are refused when size or hash differ from the pin, naming both', async () => {
    writeFileSync(path.join(dir, tarball.file), 'not the tarball');
    await expect(checkTarball(dir, tarball)).rejects.toThrow(
      `is 15 bytes with sha256 22ef63b24d68f7b83395814f738f168eaa55129cdaf62183c7e07d14748881e8; expected ${tarball.bytes} bytes with sha256 ${tarball.sha256}`,
    );
  });

  it('must hold the module each replace points at', () => {
    mkdirSync(path.join(dir, 'tuist'));
    writeFileSync(path.join(dir, 'tuist', 'go.mod'), 'module github.com/vito/other\n\ngo 1.25.3\n');
    expect(() => checkModule(dir, { dir: 'tuist', module: 'github.com/vito/tuist' })).toThrow(
      `${path.join(dir, 'tuist', 'go.mod')} declares module github.com/vito/other; expected github.com/vito/tuist`,
    );
    expect(() => checkModule(dir, { dir: 'midterm', module: 'github.com/vito/midterm' })).toThrow('is missing after unpacking');
  });
});
