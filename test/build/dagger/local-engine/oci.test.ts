import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildImage, LAYER_MTIME, mediaTypes, packLayer, writeOciLayout } from '../../../../build/dagger/local-engine/lib/oci.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'borg-oci-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A small root tree with a file, an executable, a symlink and a nested directory. */
function makeTree(root: string): void {
  mkdirSync(path.join(root, 'usr', 'bin'), { recursive: true });
  mkdirSync(path.join(root, 'etc'), { recursive: true });
  writeFileSync(path.join(root, 'etc', 'os-release'), 'ID=test\n');
  writeFileSync(path.join(root, 'usr', 'bin', 'hello'), '#!/bin/sh\necho hello\n');
  chmodSync(path.join(root, 'usr', 'bin', 'hello'), 0o755);
  symlinkSync('usr/bin', path.join(root, 'bin'));
}

const tarList = (file: string): string[] =>
  execFileSync('tar', ['-tvf', file, '--numeric-owner', '--full-time'], { encoding: 'utf8' }).trim().split('\n');

describe('packLayer', () => {
  it('gives the same digest for two packs of the same tree, even after its files were touched', async () => {
    const tree = path.join(dir, 'rootfs');
    makeTree(tree);
    const first = await packLayer(tree, path.join(dir, 'blobs-a'));
    utimesSync(path.join(tree, 'etc', 'os-release'), new Date(), new Date());
    const second = await packLayer(tree, path.join(dir, 'blobs-b'));
    expect(second.digest).toBe(first.digest);
    expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.mediaType).toBe(mediaTypes.layer);
    expect(first.path).toBe(path.join(dir, 'blobs-a', 'sha256', first.digest.slice('sha256:'.length)));
    expect(execFileSync('sha256sum', [first.path], { encoding: 'utf8' }).split(' ')[0]).toBe(first.digest.slice(7));
  });

  it('gives a different digest when a file changes', async () => {
    const tree = path.join(dir, 'rootfs');
    makeTree(tree);
    const before = await packLayer(tree, path.join(dir, 'blobs'));
    writeFileSync(path.join(tree, 'etc', 'os-release'), 'ID=other\n');
    expect((await packLayer(tree, path.join(dir, 'blobs'))).digest).not.toBe(before.digest);
  });

  it('holds the tree sorted, without ./ prefixes, with numeric owners, modes and the clamped mtime', async () => {
    const tree = path.join(dir, 'rootfs');
    makeTree(tree);
    const layer = await packLayer(tree, path.join(dir, 'blobs'));
    const lines = tarList(layer.path);
    const names = lines.map((line) => line.split(/\s+/).slice(5).join(' '));
    expect(names).toEqual(['bin -> usr/bin', 'etc/', 'etc/os-release', 'usr/', 'usr/bin/', 'usr/bin/hello']);
    const hello = lines.find((line) => line.endsWith('usr/bin/hello')) ?? '';
    expect(hello).toMatch(/^-rwxr-xr-x 0\/0 /);
    const stamp = new Date(LAYER_MTIME * 1000).toISOString().replace('T', ' ').slice(0, 19);
    expect(hello).toContain(stamp);
  });
});

describe('buildImage and writeOciLayout', () => {
  it('make a manifest naming the config and layers, bottom first, with diff IDs equal to the layer digests', async () => {
    const blobs = path.join(dir, 'blobs');
    const tree = path.join(dir, 'rootfs');
    makeTree(tree);
    const bottom = await packLayer(tree, blobs);
    writeFileSync(path.join(tree, 'etc', 'extra'), 'x');
    const top = await packLayer(tree, blobs);
    const image = await buildImage([bottom, top], { Env: ['PATH=/usr/bin'], Cmd: ['sh'] }, blobs);
    const manifest = JSON.parse(readFileSync(image.manifest.path, 'utf8')) as {
      mediaType: string;
      config: { digest: string; size: number };
      layers: { digest: string }[];
    };
    expect(manifest.mediaType).toBe(mediaTypes.manifest);
    expect(manifest.config).toMatchObject({ digest: image.config.digest, size: image.config.size });
    expect(manifest.layers.map((layer) => layer.digest)).toEqual([bottom.digest, top.digest]);
    const config = JSON.parse(readFileSync(image.config.path, 'utf8')) as { config: unknown; rootfs: { diff_ids: string[] }; os: string };
    expect(config.os).toBe('linux');
    expect(config.config).toEqual({ Env: ['PATH=/usr/bin'], Cmd: ['sh'] });
    expect(config.rootfs.diff_ids).toEqual([bottom.digest, top.digest]);
    // The same inputs give the same image.
    expect((await buildImage([bottom, top], { Env: ['PATH=/usr/bin'], Cmd: ['sh'] }, blobs)).manifest.digest).toBe(image.manifest.digest);

    const ociDir = path.join(dir, 'layout');
    await writeOciLayout(ociDir, image, 'test:1');
    expect(JSON.parse(readFileSync(path.join(ociDir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(readFileSync(path.join(ociDir, 'index.json'), 'utf8')) as {
      manifests: { digest: string; annotations: Record<string, string> }[];
    };
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0]?.digest).toBe(image.manifest.digest);
    expect(index.manifests[0]?.annotations['org.opencontainers.image.ref.name']).toBe('test:1');
    for (const blob of [image.manifest, image.config, bottom, top])
      expect(readFileSync(path.join(ociDir, 'blobs', 'sha256', blob.digest.slice(7)))).toEqual(readFileSync(blob.path));
  });
});
