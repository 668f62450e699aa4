import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tsRuntimeImages } from './pins.js';

/** The files of sdk/typescript outside src/ that upstream's typescriptSDKContent puts in the content. */
const topLevel = ['LICENSE', 'README.md', 'runtime', 'package.json', 'tsconfig.json', 'rollup.dts.config.mjs', 'dagger.json'];

/** Upstream's include `src/**\/*.ts` minus `src/**\/test/*` and `src/**\/*.spec.ts`. */
export function isSdkSourceFile(relative: string): boolean {
  const parts = relative.split('/');
  return parts[0] === 'src' && relative.endsWith('.ts') && !relative.endsWith('.spec.ts') && !parts.slice(1, -1).includes('test');
}

function filesUnder(root: string, dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(root, relative) : [relative];
  });
}

/** Copies the SDK's sources as upstream's content holds them from `sdkTypescript` (the source's sdk/typescript) to `into`. */
export function copySdkSources(sdkTypescript: string, into: string): void {
  mkdirSync(into, { recursive: true });
  for (const file of filesUnder(sdkTypescript, 'src').filter(isSdkSourceFile)) {
    mkdirSync(path.dirname(path.join(into, file)), { recursive: true });
    cpSync(path.join(sdkTypescript, file), path.join(into, file));
  }
  for (const name of topLevel) {
    if (existsSync(path.join(sdkTypescript, name))) cpSync(path.join(sdkTypescript, name), path.join(into, name), { recursive: true });
  }
}

/**
 * Points the runtime's node and bun images at the local tags: the digests it pins are Docker Hub's Alpine images,
 * which the local registry cannot serve. Throws when a constant is not where it was, so a new version is noticed.
 */
export function patchRuntimeImages(sdkRoot: string): void {
  const file = path.join(sdkRoot, 'runtime', 'tsdistconsts', 'consts.go');
  let text = readFileSync(file, 'utf8');
  for (const [constant, ref] of [
    ['DefaultNodeImageRef', tsRuntimeImages.node],
    ['DefaultBunImageRef', tsRuntimeImages.bun],
  ] as const) {
    const line = new RegExp(`^(\\s*${constant}\\s*=\\s*).*$`, 'm');
    if (!line.test(text)) throw new Error(`no ${constant} = … in ${file}`);
    text = text.replace(line, `$1${JSON.stringify(ref)}`);
  }
  writeFileSync(file, text);
}
