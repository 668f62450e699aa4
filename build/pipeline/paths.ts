import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root: every stage runs from here, locally and inside Dagger's containers. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where stages write reports and logs (git-ignored). */
export const artifactsDir = path.join(repoRoot, 'artifacts');

/** Where stages write deliverables: ISOs, the image tarball, release files (git-ignored). */
export const outDir = path.join(repoRoot, 'out');

/** Scratch space for assembled build contexts (git-ignored). */
export const buildDir = path.join(repoRoot, '.build');
