import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { changelogSince, type Changelog } from './changelog.js';
import { sha256sums } from './checksums.js';
import { createDraftRelease, uploadAsset } from './github-release.js';
import { imageDir } from './image.js';
import { isoDir } from './iso.js';
import { packageVersion } from './package-version.js';
import { outDir, repoRoot } from './paths.js';
import type { Stage } from './stage.js';

export const releaseDir = path.join(outDir, 'release');

async function filesIn(dir: string, keep: (name: string) => boolean): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter(keep).sort().map((name) => path.join(dir, name));
}

/** The ISO build's own files (ISO, manifest, SBOM) and the image tarball; the ISO's SHA256SUMS is superseded by ours. */
async function releaseAssets(): Promise<string[]> {
  const iso = await filesIn(isoDir, (name) => name !== 'SHA256SUMS');
  const image = await filesIn(imageDir, (name) => name.endsWith('.tar'));
  if (!iso.some((file) => file.endsWith('.iso')) && image.length === 0) {
    throw new Error('nothing to release: out/ISO/ has no .iso and out/image/ has no .tar (run the iso and image stages first)');
  }
  return [...iso, ...image];
}

function releaseNotes(tag: string, changelog: Changelog | undefined, sums: string): string {
  const changes =
    changelog === undefined
      ? ['No git history in this checkout, so no changelog.']
      : [`Changes since ${changelog.since ?? 'the first commit'}:`, '', ...(changelog.entries.length > 0 ? changelog.entries.map((e) => `- ${e}`) : ['- (none)'])];
  return [`# BorgOS ${tag}`, '', ...changes, '', '## SHA256SUMS', '', '```', sums.trimEnd(), '```', ''].join('\n');
}

/** S4: checksums and notes always; a draft GitHub release only when GITHUB_TOKEN is set. */
export const releaseStage: Stage = {
  id: 'S4',
  name: 'release',
  summary: 'SHA256SUMS, release notes, draft GitHub release',
  async run(ctx, options) {
    const tag = options.releaseTag ?? `v${packageVersion}`;
    const assets = await releaseAssets();
    const sums = await sha256sums(assets);
    const changelog = await changelogSince(repoRoot, tag);
    await mkdir(releaseDir, { recursive: true });
    const sumsPath = path.join(releaseDir, 'SHA256SUMS');
    const notesPath = path.join(releaseDir, 'RELEASE_NOTES.md');
    await writeFile(sumsPath, sums);
    await writeFile(notesPath, releaseNotes(tag, changelog, sums));
    ctx.say(`wrote out/release/SHA256SUMS (${assets.length} files) and out/release/RELEASE_NOTES.md`);

    const uploads = [...assets, sumsPath];
    const token = process.env.GITHUB_TOKEN;
    if (!token) {
      const sizes = await Promise.all(uploads.map(async (f) => `${path.basename(f)} (${((await stat(f)).size / 2 ** 20).toFixed(1)} MiB)`));
      ctx.say(`GITHUB_TOKEN is not set, so nothing was published. With a token this would create draft release ${tag} on ${options.repo ?? '<--repo or GITHUB_REPOSITORY>'} with: ${sizes.join(', ')}`);
      return;
    }
    if (options.repo === undefined) throw new Error('GITHUB_TOKEN is set but no repository: pass --repo owner/name or set GITHUB_REPOSITORY');
    const target = { apiUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com', repo: options.repo, token };
    const release = await createDraftRelease(target, { tag, name: `BorgOS ${tag}`, body: releaseNotes(tag, changelog, sums), targetCommitish: changelog?.head });
    for (const file of uploads) {
      const url = await uploadAsset(target, release, file);
      ctx.note(`uploaded ${path.basename(file)} → ${url}`);
    }
    ctx.say(`draft release ${tag} created with ${uploads.length} assets: ${release.htmlUrl}`);
  },
};
