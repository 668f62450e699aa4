import { chmodSync, cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StageContext } from '../../../../pipeline/step.js';
import { downloadModule } from '../go.js';
import type { Layout } from '../layout.js';
import { debianSources, debootstrap, dockerAptConfig, tidyDebianTree } from './debian.js';
import { runInOverlay } from './chroot.js';
import { findHostNode } from './host-node.js';
import { fetchNpmTarball } from './npm-tarball.js';
import { bun, debian, type GoToolchain, go125, goBuildPackages, nodeBuildPackages, yarn } from './pins.js';
import { toOciWhiteouts } from './whiteouts.js';

/** Where the images step keeps its work under `layout.images`. */
export const imageDirs = (layout: Layout) => ({
  /** Each layer's tree: the whole root for debian, only what the layer adds for the others. */
  trees: path.join(layout.images, 'trees'),
  /** Overlay scratch space while a layer is made. */
  work: path.join(layout.images, 'work'),
  blobs: path.join(layout.images, 'blobs'),
  /** Each finished layer's blob (digest, size), read on warm runs instead of packing again. */
  layers: path.join(layout.images, 'layers'),
  downloads: path.join(layout.images, 'downloads'),
  debootstrapDebs: path.join(layout.images, 'debootstrap-debs'),
});

/** What a recipe gets to make its layer with. */
export interface LayerContext {
  readonly ctx: StageContext;
  readonly layout: Layout;
  /** The finished tree of another layer (one named in `on`). */
  readonly tree: (name: string) => string;
}

/** One layer: what it is made from (its key) and how its tree is made. */
export interface LayerRecipe {
  readonly name: string;
  /** Layers whose trees this one is made over, bottom first: their digests take part in its key. */
  readonly on: readonly string[];
  /** What the layer is made from besides those; equal inputs give an equal layer, so it is not made again. */
  readonly inputs: () => unknown;
  /** Fills the empty directory `tree` with the layer's files. */
  readonly make: (tree: string, context: LayerContext) => Promise<void>;
}

/** The script that installs Debian packages in a chroot; apt's lists and caches are tmpfs (see `scratch`). */
const aptInstall = (packages: readonly string[]): string => `
export DEBIAN_FRONTEND=noninteractive
mkdir -p /var/lib/apt/lists/partial /var/cache/apt/archives/partial
# No service may start in the chroot.
printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
apt-get update -q
apt-get install -q -y --no-install-recommends ${packages.join(' ')}
rm -f /usr/sbin/policy-rc.d /var/log/dpkg.log /var/log/alternatives.log /var/cache/ldconfig/aux-cache
rm -rf /var/log/apt/*
`;

/** A layer of Debian packages installed over the debian layer, captured as an overlay's upper tree. */
const aptLayer = (name: string, packages: readonly string[]): LayerRecipe => ({
  name,
  on: ['debian'],
  inputs: () => ({ packages, script: aptInstall(packages) }),
  async make(tree, { ctx, layout, tree: treeOf }) {
    const work = path.join(imageDirs(layout).work, name);
    const lowers = [treeOf('debian')];
    await runInOverlay(
      ctx,
      `apt-get install ${packages.length} packages (${name})`,
      {
        lowers,
        upper: tree,
        work: path.join(work, 'work'),
        merged: path.join(work, 'merged'),
        scratch: ['var/lib/apt/lists', 'var/cache/apt'],
      },
      aptInstall(packages),
    );
    rmSync(work, { recursive: true, force: true });
    const deleted = toOciWhiteouts(tree, lowers);
    if (deleted.length > 0) ctx.note(`${name} deletes ${deleted.join(' ')}`);
  },
});

const mkdirs = (...dirs: string[]): void => {
  for (const dir of dirs) mkdirSync(dir, { recursive: true, mode: 0o755 });
};

export const debianLayer: LayerRecipe = {
  name: 'debian',
  on: [],
  inputs: () => ({ debian, variant: 'minbase', debianSources, dockerAptConfig, tidy: tidyDebianTree.toString() }),
  async make(tree, { ctx, layout }) {
    await debootstrap(ctx, tree, imageDirs(layout).debootstrapDebs);
    tidyDebianTree(tree);
  },
};

export const nodeBuildLayer = aptLayer('node-build-deps', nodeBuildPackages);
export const goBuildLayer = aptLayer('go-build-deps', goBuildPackages);

/** Node under /usr/local as the official images lay it out, with npm, corepack and yarn classic at /opt. */
export const nodeLayer: LayerRecipe = {
  name: 'node',
  on: [],
  inputs: () => ({ node: findHostNode(), yarn }),
  async make(tree, { ctx, layout }) {
    const { prefix } = findHostNode();
    const local = path.join(tree, 'usr', 'local');
    const yarnDir = path.join(tree, 'opt', `yarn-v${yarn.version}`);
    mkdirs(path.join(local, 'bin'), path.join(local, 'include'), path.join(local, 'lib', 'node_modules'), yarnDir);
    cpSync(path.join(prefix, 'bin', 'node'), path.join(local, 'bin', 'node'));
    cpSync(path.join(prefix, 'include', 'node'), path.join(local, 'include', 'node'), { recursive: true, verbatimSymlinks: true });
    for (const module of ['npm', 'corepack'])
      cpSync(path.join(prefix, 'lib', 'node_modules', module), path.join(local, 'lib', 'node_modules', module), {
        recursive: true,
        verbatimSymlinks: true,
      });
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(local, 'bin', 'npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(local, 'bin', 'npx'));
    symlinkSync('../lib/node_modules/corepack/dist/corepack.js', path.join(local, 'bin', 'corepack'));
    const tarball = await fetchNpmTarball(ctx, yarn, imageDirs(layout).downloads);
    await ctx.run('unpack yarn', ['tar', '-xzf', tarball, '--no-same-owner', '--strip-components=1', '-C', yarnDir]);
    for (const link of ['yarn', 'yarnpkg']) symlinkSync(`/opt/yarn-v${yarn.version}/bin/${link}`, path.join(local, 'bin', link));
  },
};

/** Go at /usr/local/go from the toolchain module, and GOPATH /go writable by anyone, as in the official image. */
const goLayer = (name: string, toolchain: GoToolchain): LayerRecipe => ({
  name,
  on: [],
  inputs: () => ({ toolchain }),
  async make(tree, { ctx, layout }) {
    const moduleDir = await downloadModule(ctx, layout, toolchain);
    const goroot = path.join(tree, 'usr', 'local', 'go');
    mkdirs(path.dirname(goroot));
    cpSync(moduleDir, goroot, { recursive: true, verbatimSymlinks: true });
    // The module cache holds it read-only and without execute bits; the go command sets them on bin/ and pkg/tool/ too.
    await ctx.run('chmod the Go tree', ['chmod', '-R', 'u+w,go-w,a+rX', goroot]);
    await ctx.run('chmod the Go programs', ['find', 'bin', 'pkg/tool', '-type', 'f', '-exec', 'chmod', '0755', '{}', '+'], { cwd: goroot });
    for (const dir of ['src', 'bin']) {
      mkdirs(path.join(tree, 'go', dir));
      chmodSync(path.join(tree, 'go', dir), 0o1777);
    }
    chmodSync(path.join(tree, 'go'), 0o1777);
  },
});

export const go125Layer = goLayer('go-1.25', go125);

const apkStub = `#!/bin/sh
# Not Alpine's apk: Dagger's TypeScript runtime runs "apk add ca-certificates", which Debian already has.
exit 0
`;

/** /sbin/apk (through Debian's merged /usr: usr/sbin) exiting 0. */
export const apkStubLayer: LayerRecipe = {
  name: 'apk-stub',
  on: [],
  inputs: () => ({ apkStub }),
  make(tree) {
    mkdirs(path.join(tree, 'usr', 'sbin'));
    writeFileSync(path.join(tree, 'usr', 'sbin', 'apk'), apkStub, { mode: 0o755 });
    return Promise.resolve();
  },
};

/** Bun at /usr/local/bin/bun (and bunx), as the oven/bun images have it. */
export const bunLayer: LayerRecipe = {
  name: 'bun',
  on: [],
  inputs: () => ({ bun }),
  async make(tree, { ctx, layout }) {
    const bin = path.join(tree, 'usr', 'local', 'bin');
    mkdirs(bin);
    const tarball = await fetchNpmTarball(ctx, bun, imageDirs(layout).downloads);
    await ctx.run('unpack bun', ['tar', '-xzf', tarball, '--no-same-owner', '--strip-components=2', '-C', bin, 'package/bin/bun']);
    chmodSync(path.join(bin, 'bun'), 0o755);
    symlinkSync('bun', path.join(bin, 'bunx'));
  },
};

/** Every layer, in an order where each comes after the ones it is made on. */
export const layerRecipes: readonly LayerRecipe[] = [
  debianLayer,
  nodeBuildLayer,
  goBuildLayer,
  nodeLayer,
  go125Layer,
  apkStubLayer,
  bunLayer,
];
