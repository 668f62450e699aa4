import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { downloadModule } from '../go.js';
import { buildImage, packLayer } from '../oci.js';
import { sourcesStamp } from '../sources.js';
import { clearStamp, isFresh, stampedKey, stampKey, writeStamp } from '../stamp.js';
import type { Step } from '../step.js';
import { sdkBlobsDir, sdkImageRecord, sdkStamp, sdkWorkDir, writeSdkImage } from './content.js';
import { goSdkLibVersion, primeModules, writeFileProxy } from './go-proxy.js';
import { goSdkToolchain } from './pins.js';
import { copyFileIn, writeBaseRoot } from './rootfs.js';

const goVersion = goSdkToolchain.version.replace(/^v0\.0\.1-(go[^.]+\.[^.]+\.[^.]+)\..*$/, '$1');

/** The run configuration of the Go SDK image; GOPROXY comes from the engine (_DAGGER_ENGINE_SYSTEMENV_GOPROXY). */
const imageConfig = {
  Env: [
    'PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'GOPATH=/go',
    `GOLANG_VERSION=${goVersion.replace(/^go/, '')}`,
    // The toolchain in the image, never a download; and no checksum database for the file proxy's alias.
    'GOTOOLCHAIN=local',
    'GOSUMDB=off',
  ],
  WorkingDir: '/go',
};

/**
 * The Go SDK content (upstream's goSDKContent): a Go toolchain, `codegen`, empty module and build caches at the paths
 * the engine mounts its cache volumes on, and a file module proxy primed with what the TypeScript runtime needs.
 */
export const goSdkContentStep: Step = {
  name: 'go-sdk-content',
  summary: `Go SDK image: busybox, Go ${goVersion.slice(2)}, codegen, a primed file GOPROXY`,
  options: [],
  async run(layout, options, ctx) {
    const sources = stampedKey(sourcesStamp(layout));
    const codegen = stampedKey(path.join(layout.stamps, 'bin-codegen.json'));
    if (sources === undefined || codegen === undefined) throw new Error('the sources and codegen are not built: run build.ts first');
    const libVersion = goSdkLibVersion(layout);
    const stamp = sdkStamp(layout, 'go');
    // `recipe`: raised when this file makes the image differently.
    const key = stampKey({ sources, codegen, goSdkToolchain, libVersion, imageConfig, recipe: 2 });
    if (!options.force && isFresh(stamp, key)) return ctx.say(`up to date: ${sdkImageRecord(layout, 'go')}`);
    clearStamp(stamp);

    const work = sdkWorkDir(layout, 'go');
    const blobs = sdkBlobsDir(layout, 'go');
    rmSync(work, { recursive: true, force: true });
    rmSync(blobs, { recursive: true, force: true });
    const root = path.join(work, 'rootfs');
    mkdirSync(root, { recursive: true });

    const toolchain = await downloadModule(ctx, layout, goSdkToolchain);
    const modCache = path.join(work, 'modcache');
    await primeModules(ctx, layout, work, modCache);

    await writeBaseRoot(ctx, layout, root);
    const goRoot = path.join(root, 'usr', 'local', 'go');
    cpSync(toolchain, goRoot, { recursive: true });
    await ctx.run('make the toolchain writable', ['chmod', '-R', 'u+w', goRoot]);
    // The module zip carries no modes: go itself makes these executable when it switches to a downloaded toolchain.
    await ctx.run('make the toolchain executable', [
      'find',
      path.join(goRoot, 'bin'),
      path.join(goRoot, 'pkg', 'tool'),
      '-type',
      'f',
      '-exec',
      'chmod',
      '0755',
      '{}',
      '+',
    ]);
    copyFileIn(root, path.join(layout.bin, 'codegen'), 'usr/local/bin/codegen');
    // The engine seeds its gomod and gobuild cache volumes from these.
    for (const dir of ['go/pkg/mod', 'go/bin', 'root/.cache/go-build']) mkdirSync(path.join(root, dir), { recursive: true });
    writeFileProxy(modCache, path.join(root, 'goproxy'), libVersion);
    // The module cache is read-only as go leaves it.
    await ctx.run('make the priming module cache removable', ['chmod', '-R', 'u+w', modCache]);

    const layer = await packLayer(root, blobs);
    const image = await buildImage([layer], imageConfig, blobs);
    writeSdkImage(layout, 'go', image);
    ctx.say(`Go SDK image ${image.manifest.digest} (layer ${(layer.size / 1e6).toFixed(0)} MB)`);
    rmSync(work, { recursive: true, force: true });
    writeStamp(stamp, key, [sdkImageRecord(layout, 'go'), image.manifest.path, layer.path]);
  },
};
