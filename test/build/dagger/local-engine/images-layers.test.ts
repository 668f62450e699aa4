import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStageContext } from '../../../../build/pipeline/step.js';
import { runInOverlay } from '../../../../build/dagger/local-engine/lib/images/chroot.js';
import { imageDirs } from '../../../../build/dagger/local-engine/lib/images/layers.js';
import { toOciWhiteouts } from '../../../../build/dagger/local-engine/lib/images/whiteouts.js';
import { layout as cacheLayout, versionCacheDir } from '../../../../build/dagger/local-engine/lib/layout.js';
import { runTsx } from '../../pipeline/run-tsx.js';

// The debian tree the images step left in the cache: a real root to make a layer over.
const debianTree = path.join(imageDirs(cacheLayout(versionCacheDir(undefined, process.env))).trees, 'debian');
const canOverlay = process.getuid?.() === 0 && existsSync(path.join(debianTree, 'bin', 'sh'));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'borg-images-layers-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!canOverlay)(`a layer made in an overlay (skipped without root or ${debianTree}: run images.ts)`, () => {
  it('holds only what the script changed, with deletions as OCI whiteouts, and leaves no mount behind', async () => {
    const ctx = openStageContext(path.join(dir, 'layer.log'), false, () => {});
    const upper = path.join(dir, 'upper');
    const mountsBefore = readFileSync('/proc/self/mountinfo', 'utf8');
    await runInOverlay(
      ctx,
      'change the tree',
      { lowers: [debianTree], upper, work: path.join(dir, 'work'), merged: path.join(dir, 'merged'), scratch: ['var/cache/apt'] },
      // A deleted file, a directory emptied and made again, a new directory, and a write into scratch space.
      'rm /etc/issue; rm -rf /etc/skel; mkdir /etc/skel; echo x > /etc/skel/new; mkdir -p /opt/fresh/sub; touch /var/cache/apt/junk',
    );
    await ctx.close();
    expect(toOciWhiteouts(upper, [debianTree]).sort()).toEqual(['etc/issue', 'etc/skel/*']);
    expect(readdirSync(path.join(upper, 'etc')).sort()).toEqual(['.wh.issue', 'skel']);
    expect(lstatSync(path.join(upper, 'etc', '.wh.issue')).isFile()).toBe(true);
    expect(readdirSync(path.join(upper, 'etc', 'skel')).sort()).toEqual(['.wh..wh..opq', 'new']);
    // A directory that hides nothing below gets no opaque marker.
    expect(readdirSync(path.join(upper, 'opt', 'fresh'))).toEqual(['sub']);
    expect(existsSync(path.join(upper, 'var', 'cache', 'apt', 'junk'))).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toBe(mountsBefore);
    expect(existsSync(path.join(dir, 'merged'))).toBe(false);
  });
});

describe('images.ts', () => {
  it('names its step and says how each image differs from the official one', async () => {
    const { code, stdout } = await runTsx('build/dagger/local-engine/images.ts', ['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}images\s/m);
    for (const image of ['library/debian:12', 'library/node:20-bookworm-slim', 'library/node:20-bookworm', 'library/golang:1.25-bookworm'])
      expect(stdout).toMatch(new RegExp(`^  ${image}: \\S`, 'm'));
    expect(stdout).toContain('borgos/dagger-ts-node:20: node:20-bookworm-slim plus a stub /sbin/apk');
    expect(stdout).toContain('borgos/dagger-ts-bun:1.3.0');
  });

  it('fails naming the step, its log and what to run first when the runtime packages are missing', async () => {
    const { code, stderr } = await runTsx('build/dagger/local-engine/images.ts', ['--cache', dir]);
    const root = path.join(dir, 'v0.21.8');
    expect(code).toBe(1);
    expect(stderr).toContain('error: step images failed after');
    expect(stderr).toContain(
      `no docker-registry at ${path.join(root, 'runtime', 'usr', 'bin', 'docker-registry')}: run runtime-packages.ts`,
    );
    expect(stderr).toContain(`log: ${path.join(root, 'logs', 'images.log')}`);
  });
});
