import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { downloadModule, goEnv, writeReplacements, type Replacement } from './go.js';
import type { Layout } from './layout.js';
import { daggerModule, goSdkModule, goTargets, vendoredTarballs } from './pins.js';
import { clearStamp, isFresh, stampKey, writeStamp } from './stamp.js';
import type { Step } from './step.js';
import { checkModule, checkTarball } from './vendored.js';

export const sourcesStamp = (layout: Layout): string => path.join(layout.stamps, 'sources.json');

/** The replace directive of every vendored dependency, relative to the Dagger tree. */
export function replacements(layout: Layout): Replacement[] {
  return vendoredTarballs
    .filter((tarball) => tarball.role === 'replacement')
    .flatMap((tarball) => tarball.modules)
    .map(({ dir, module }) => ({ module, path: path.relative(layout.source, path.join(layout.replacements, dir)) }));
}

/**
 * The source tree the binaries are built from: Dagger from the module proxy, made writable, with its nested modules
 * and the Go SDK put where its go.mod expects them, and the four modules the proxy refuses unpacked beside it.
 */
export const sourcesStep: Step = {
  name: 'sources',
  summary: 'Dagger from the Go module proxy plus the vendored modules, with replace directives',
  options: ['vendor', 'jobs'],
  async run(layout, options, ctx) {
    const stamp = sourcesStamp(layout);
    // The pins carry every input: versions, hashes, tarball contents and where each module goes.
    const key = stampKey({ daggerModule, goSdkModule, vendoredTarballs });
    if (!options.force && isFresh(stamp, key)) return ctx.say(`up to date: ${layout.source}`);
    clearStamp(stamp);

    // A wrong vendor folder is the cheapest failure, so it comes before any download.
    const tarballs = await Promise.all(
      vendoredTarballs.map(async (tarball) => ({ tarball, file: await checkTarball(options.vendorDir, tarball) })),
    );
    ctx.say(`vendored tarballs match their pins: ${vendoredTarballs.map((t) => t.file).join(', ')}`);
    const dagger = await downloadModule(ctx, layout, daggerModule);
    const goSdk = await downloadModule(ctx, layout, goSdkModule);

    const sourceRoot = path.dirname(layout.source);
    // Anything left from an earlier, different or interrupted run would mix into the tree.
    rmSync(sourceRoot, { recursive: true, force: true });
    mkdirSync(layout.replacements, { recursive: true });
    await ctx.run('copy the Dagger tree', ['cp', '-R', dagger, layout.source]);
    await ctx.run('copy the Go SDK to sdk/go', ['cp', '-R', goSdk, path.join(layout.source, 'sdk', 'go')]);
    // The module cache is read-only, and the tree is edited: go.mod and go.sum here, the TypeScript runtime's image references later.
    await ctx.run('make the tree writable', ['chmod', '-R', 'u+w', sourceRoot]);
    for (const { tarball, file } of tarballs) {
      const into = tarball.role === 'source' ? layout.source : layout.replacements;
      // --keep-old-files: the nested modules fill gaps in the tree; overwriting a file from the proxy would be a mistake.
      await ctx.run(`unpack ${tarball.file}`, [
        'tar',
        '--extract',
        '--xz',
        '--keep-old-files',
        '--no-same-owner',
        '--file',
        file,
        '--directory',
        into,
      ]);
      for (const module of tarball.modules) checkModule(into, module);
    }
    await writeReplacements(ctx, layout.source, replacements(layout));
    // Fetches what the binaries import now, so a network failure is blamed on this step, and go.mod and go.sum settle.
    const tags = [...new Set(goTargets.flatMap((target) => target.tags))];
    await ctx.run(
      'download the modules the binaries import',
      ['go', 'list', '-deps', '-tags', tags.join(','), ...goTargets.map((target) => target.pkg)],
      { cwd: layout.source, env: goEnv(layout, options.jobs) },
    );
    writeStamp(stamp, key, [layout.source, layout.replacements]);
  },
};
