import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tsRuntimeImages } from '../../../../build/dagger/local-engine/lib/sdk/pins.js';
import { isSdkSourceFile, patchRuntimeImages } from '../../../../build/dagger/local-engine/lib/sdk/ts-sources.js';

describe("the TypeScript SDK's sources in its content", () => {
  it('are the .ts files under src/, without tests and specs', () => {
    expect(isSdkSourceFile('src/index.ts')).toBe(true);
    expect(isSdkSourceFile('src/module/entrypoint/introspection_entrypoint.ts')).toBe(true);
    expect(isSdkSourceFile('src/api/.gitattributes')).toBe(false);
    expect(isSdkSourceFile('src/common/utils.spec.ts')).toBe(false);
    expect(isSdkSourceFile('src/test/setup.ts')).toBe(false);
    expect(isSdkSourceFile('src/module/introspector/test/testdata/minimal/index.ts')).toBe(false);
    expect(isSdkSourceFile('runtime/main.go')).toBe(false);
  });
});

describe("patching the runtime's images", () => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  const writeConsts = (text: string): string => {
    dir = mkdtempSync(path.join(tmpdir(), 'sdk-sources-test-'));
    mkdirSync(path.join(dir, 'runtime', 'tsdistconsts'), { recursive: true });
    writeFileSync(path.join(dir, 'runtime', 'tsdistconsts', 'consts.go'), text);
    return dir;
  };

  it('points the node and bun images at the local tags and leaves the rest', () => {
    const root = writeConsts(
      [
        'const (',
        '\tDefaultNodeImageRef = "node:" + DefaultNodeVersion + "-alpine@" + nodeImageDigest',
        '\tDefaultBunImageRef = "oven/bun:" + DefaultBunVersion + "-alpine@" + bunImageDigest',
        '\tDefaultDenoImageRef = "denoland/deno:alpine-" + DefaultDenoVersion',
        ')',
        '',
      ].join('\n'),
    );
    patchRuntimeImages(root);
    expect(readFileSync(path.join(root, 'runtime', 'tsdistconsts', 'consts.go'), 'utf8').split('\n')).toEqual([
      'const (',
      `\tDefaultNodeImageRef = "${tsRuntimeImages.node}"`,
      `\tDefaultBunImageRef = "${tsRuntimeImages.bun}"`,
      '\tDefaultDenoImageRef = "denoland/deno:alpine-" + DefaultDenoVersion',
      ')',
      '',
    ]);
  });

  it('fails when a constant has moved, so a new Dagger version is noticed', () => {
    const root = writeConsts('const (\n\tDefaultNodeImageRef = "node:24"\n)\n');
    expect(() => patchRuntimeImages(root)).toThrow(/no DefaultBunImageRef/);
  });
});
