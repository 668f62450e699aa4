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

async function filesIn(dir: string, keep: (name: string) => boolean): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter(keep)
    .sort()
    .map((name) => path.join(dir, name));
}

/**
 * The ISO build's outputs (ISO, package manifest, SBOM, inputs) and the image tarball.
 * Left out: the ISO's own SHA256SUMS (ours supersedes it) and build logs.
 */
async function releaseAssets(isoDir: string, imageDir: string): Promise<string[]> {
  const iso = await filesIn(isoDir, (name) => name !== 'SHA256SUMS' && !name.endsWith('.log'));
  const image = await filesIn(imageDir, (name) => name.endsWith('.tar'));
  if (!iso.some((file) => file.endsWith('.iso')) && image.length === 0) {
    throw new Error(
      `nothing to release: ${path.relative(process.cwd(), isoDir)}/ has no .iso and ${path.relative(process.cwd(), imageDir)}/ has no .tar (run the iso and image stages first)`,
    );
  }
  return [...iso, ...image];
}

function releaseNotes(tag: string, changelog: Changelog | undefined, sums: string): string {
  const changes =
    changelog === undefined
      ? ['No git history in this checkout, so no changelog.']
      : [
          `Changes since ${changelog.since ?? 'the first commit'}:`,
          '',
          ...(changelog.entries.length > 0 ? changelog.entries.map((e) => `- ${e}`) : ['- (none)']),
        ];
  return [`# BorgOS ${tag}`, '', ...changes, '', '## SHA256SUMS', '', '```', sums.trimEnd(), '```', ''].join('\n');
}

export interface ReleaseInput {
  readonly isoDir: string;
  readonly imageDir: string;
  /** Where SHA256SUMS and RELEASE_NOTES.md go. */
  readonly releaseDir: string;
  /** The checkout whose history makes the changelog. */
  readonly gitDir: string;
  readonly tag: string;
  readonly repo: string | undefined;
  /** Publish only with a token; without one, say what would have been published. */
  readonly github: { readonly apiUrl: string; readonly token: string } | undefined;
  readonly say: (line: string) => void;
}

export interface ReleaseResult {
  readonly sumsPath: string;
  readonly notesPath: string;
  /** Download URLs of the uploaded assets; empty when nothing was published. */
  readonly uploaded: readonly string[];
  readonly htmlUrl: string | undefined;
}

/** Checksums and notes always; a draft GitHub release with every asset when a token is given. */
export async function release(input: ReleaseInput): Promise<ReleaseResult> {
  const assets = await releaseAssets(input.isoDir, input.imageDir);
  const sums = await sha256sums(assets);
  const changelog = await changelogSince(input.gitDir, input.tag);
  const notes = releaseNotes(input.tag, changelog, sums);
  await mkdir(input.releaseDir, { recursive: true });
  const sumsPath = path.join(input.releaseDir, 'SHA256SUMS');
  const notesPath = path.join(input.releaseDir, 'RELEASE_NOTES.md');
  await writeFile(sumsPath, sums);
  await writeFile(notesPath, notes);
  input.say(
    `wrote ${path.relative(process.cwd(), sumsPath)} (${assets.length} file${assets.length === 1 ? '' : 's'}) and ${path.relative(process.cwd(), notesPath)}`,
  );

  const uploads = [...assets, sumsPath];
  if (input.github === undefined) {
    const sizes = await Promise.all(uploads.map(async (f) => `${path.basename(f)} (${((await stat(f)).size / 2 ** 20).toFixed(1)} MiB)`));
    input.say(
      `GITHUB_TOKEN is not set, so nothing was published. With a token this would create draft release ${input.tag} on ${input.repo ?? '<--repo or GITHUB_REPOSITORY>'} with: ${sizes.join(', ')}`,
    );
    return { sumsPath, notesPath, uploaded: [], htmlUrl: undefined };
  }
  if (input.repo === undefined) throw new Error('GITHUB_TOKEN is set but no repository: pass --repo owner/name or set GITHUB_REPOSITORY');
  const target = { ...input.github, repo: input.repo };
  const draft = await createDraftRelease(target, {
    tag: input.tag,
    name: `BorgOS ${input.tag}`,
    body: notes,
    targetCommitish: changelog?.head,
  });
  const uploaded: string[] = [];
  for (const file of uploads) uploaded.push(await uploadAsset(target, draft, file));
  input.say(`draft release ${input.tag} created on ${input.repo} with ${uploads.length} assets: ${draft.htmlUrl}`);
  return { sumsPath, notesPath, uploaded, htmlUrl: draft.htmlUrl };
}

/** S4 over out/: GITHUB_TOKEN and GITHUB_API_URL come from the environment, as in GitHub Actions. */
export const releaseStage: Stage = {
  id: 'S4',
  name: 'release',
  summary: 'SHA256SUMS, release notes, draft GitHub release',
  async run(ctx, options) {
    const token = process.env.GITHUB_TOKEN;
    const result = await release({
      isoDir,
      imageDir,
      releaseDir: path.join(outDir, 'release'),
      gitDir: repoRoot,
      tag: options.releaseTag ?? `v${packageVersion}`,
      repo: options.repo,
      github: token ? { apiUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com', token } : undefined,
      say: (line) => ctx.say(line),
    });
    for (const url of result.uploaded) ctx.note(`uploaded ${url}`);
  },
};
