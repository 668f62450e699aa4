import { createHash } from 'node:crypto';
import {
  copyFileSync,
  createReadStream,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Written last, next to the ISO: what it was built from. Its presence marks a complete build. */
export interface InputsRecord {
  tag: string;
  profile: string;
  inputsHash: string;
  sourceDateEpoch: number;
  mirrors: { debian: string; security: string };
  liveBuildVersion: string;
  isoBytes: number;
  isoSha256: string;
  buildSeconds: number;
  builtAt: string;
}

export const artifactPaths = (outDir: string, tag: string) => ({
  iso: join(outDir, `${tag}.iso`),
  packages: join(outDir, `${tag}.packages`),
  sbom: join(outDir, `${tag}.spdx.json`),
  inputs: join(outDir, `${tag}.inputs.json`),
  log: join(outDir, `${tag}.build.log`),
  sums: join(outDir, 'SHA256SUMS'),
});

/** The record of a previous build, if its ISO is still there unchanged in size. */
export function completedBuild(outDir: string, tag: string): InputsRecord | undefined {
  const paths = artifactPaths(outDir, tag);
  if (!existsSync(paths.inputs) || !existsSync(paths.iso)) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(readFileSync(paths.inputs, 'utf8'));
  } catch {
    // A record cut short (a full disk, a copy interrupted) describes no build: the next one starts over.
    return undefined;
  }
  if (typeof record !== 'object' || record === null) return undefined;
  const built = record as InputsRecord;
  return statSync(paths.iso).size === built.isoBytes ? built : undefined;
}

/** Moves a finished file into place atomically (rename, or copy then rename across file systems). */
export function moveInto(source: string, target: string): void {
  const staging = `${target}.partial`;
  try {
    renameSync(source, staging);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    copyFileSync(source, staging);
    rmSync(source);
  }
  renameSync(staging, target);
}

export function writeAtomically(target: string, content: string): void {
  writeFileSync(`${target}.partial`, content);
  renameSync(`${target}.partial`, target);
}

/** SHA256SUMS over every published artifact in the directory, so one file checks a whole release. */
export async function writeChecksums(outDir: string): Promise<void> {
  const names = readdirSync(outDir)
    .filter((f) => /\.(iso|packages|spdx\.json)$/.test(f))
    .sort();
  const lines: string[] = [];
  for (const name of names) lines.push(`${await sha256File(join(outDir, name))}  ${name}`);
  writeAtomically(join(outDir, 'SHA256SUMS'), `${lines.join('\n')}\n`);
}
