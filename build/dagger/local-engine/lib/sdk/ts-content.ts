import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildImage, packLayer } from '../oci.js';
import { sourcesStamp } from '../sources.js';
import { clearStamp, isFresh, stampedKey, stampKey, writeStamp } from '../stamp.js';
import type { Step } from '../step.js';
import { runAtSrc } from './at-src.js';
import { sdkBlobsDir, sdkImageRecord, sdkStamp, sdkWorkDir, writeSdkImage } from './content.js';
import { fetchBun, installTsx } from './npm-tools.js';
import { bunPackage, tsRuntimeImages, TSX_VERSION } from './pins.js';
import { copyFileIn } from './rootfs.js';
import { copySdkSources, patchRuntimeImages } from './ts-sources.js';

/**
 * The TypeScript SDK content (upstream's typescriptSDKContent): the SDK's sources with its runtime module (images
 * patched to local tags), codegen, the typescript package, ts-introspector and the bundled library built with bun at
 * /src, and tsx. A plain tree as one layer: the engine only reads its rootfs.
 */
export const tsSdkContentStep: Step = {
  name: 'ts-sdk-content',
  summary: `TypeScript SDK image: sources, codegen, ts-introspector and core.js (bun ${bunPackage.version}), tsx ${TSX_VERSION}`,
  options: [],
  async run(layout, options, ctx) {
    const sources = stampedKey(sourcesStamp(layout));
    const codegen = stampedKey(path.join(layout.stamps, 'bin-codegen.json'));
    if (sources === undefined || codegen === undefined) throw new Error('the sources and codegen are not built: run build.ts first');
    const stamp = sdkStamp(layout, 'typescript');
    // `recipe`: raised when this file makes the image differently.
    const key = stampKey({ sources, codegen, bunPackage, TSX_VERSION, tsRuntimeImages, recipe: 2 });
    if (!options.force && isFresh(stamp, key)) return ctx.say(`up to date: ${sdkImageRecord(layout, 'typescript')}`);
    clearStamp(stamp);

    const work = sdkWorkDir(layout, 'typescript');
    const blobs = sdkBlobsDir(layout, 'typescript');
    rmSync(work, { recursive: true, force: true });
    rmSync(blobs, { recursive: true, force: true });
    const sdkTypescript = path.join(layout.source, 'sdk', 'typescript');
    const root = path.join(work, 'rootfs');
    copySdkSources(sdkTypescript, root);
    patchRuntimeImages(root);

    const bun = await fetchBun(ctx, path.join(work, 'bun'));
    const tsx = await installTsx(ctx, path.join(work, 'tsx'));

    // A copy to build in, with the SDK's yarn.lock, which bun migrates: dependencies as the release pinned them.
    const build = path.join(work, 'build');
    cpSync(root, build, { recursive: true });
    cpSync(path.join(sdkTypescript, 'yarn.lock'), path.join(build, 'yarn.lock'));
    const env = { BUN_INSTALL_CACHE_DIR: path.join(work, 'bun-cache'), DO_NOT_TRACK: '1' };
    const atSrc = (label: string, command: readonly string[]) => runAtSrc(ctx, label, path.join(work, 'mnt'), build, command, env);
    await atSrc('bun install', [bun, 'install']);
    await atSrc('bun build ts-introspector', [
      bun,
      'build',
      'src/module/entrypoint/introspection_entrypoint.ts',
      '--compile',
      '--outfile',
      '/src/out/ts-introspector',
    ]);
    // One bundle of the library and default client for every runtime: deno and bun run node's.
    await atSrc('bun build core.js', [
      bun,
      'build',
      './src/index.ts',
      '--external=typescript',
      '--target=node',
      '--outfile',
      '/src/out/bundled_lib/core.js',
    ]);
    await atSrc('tsc --emitDeclarationOnly', ['node', 'node_modules/typescript/bin/tsc', '--emitDeclarationOnly']);
    await atSrc('rollup core.d.ts', [bun, 'x', 'rollup', '-c', 'rollup.dts.config.mjs', '-o', '/src/out/bundled_lib/core.d.ts']);

    copyFileIn(root, path.join(layout.bin, 'codegen'), 'codegen');
    // Mounted where the introspector looks for typescript's own declaration files.
    cpSync(path.join(build, 'node_modules', 'typescript'), path.join(root, 'typescript-library'), { recursive: true, dereference: true });
    copyFileIn(root, path.join(build, 'out', 'ts-introspector'), 'bin/ts-introspector');
    cpSync(tsx, path.join(root, 'tsx_module'), { recursive: true });
    cpSync(path.join(build, 'out', 'bundled_lib'), path.join(root, 'bundled_lib'), { recursive: true });
    mkdirSync(blobs, { recursive: true });

    const layer = await packLayer(root, blobs);
    const image = await buildImage([layer], {}, blobs);
    writeSdkImage(layout, 'typescript', image);
    ctx.say(`TypeScript SDK image ${image.manifest.digest} (layer ${(layer.size / 1e6).toFixed(0)} MB)`);
    rmSync(work, { recursive: true, force: true });
    writeStamp(stamp, key, [sdkImageRecord(layout, 'typescript'), image.manifest.path, layer.path]);
  },
};
