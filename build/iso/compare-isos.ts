import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sha256File } from './artifacts.js';

export interface ComparisonReport {
  identical: boolean;
  sha256: [string, string];
  /** Paths whose content differs, prefixed with iso:/ or squashfs:/; empty when identical. */
  differingFiles: string[];
  /** Entries whose metadata (mode, owner, size, mtime) differs inside filesystem.squashfs. */
  differingMetadata: string[];
  summary: string;
}

function fileHashes(root: string): Map<string, string> {
  const hashes = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) hashes.set(relative(root, path), createHash('sha256').update(readFileSync(path)).digest('hex'));
    }
  };
  walk(root);
  return hashes;
}

function differing(a: Map<string, string>, b: Map<string, string>, prefix: string): string[] {
  const paths = new Set([...a.keys(), ...b.keys()]);
  return [...paths]
    .filter((p) => a.get(p) !== b.get(p))
    .sort()
    .map((p) => `${prefix}/${p}${a.has(p) ? (b.has(p) ? '' : ' (only in first)') : ' (only in second)'}`);
}

const squashfsListing = (image: string): Set<string> =>
  new Set(
    execFileSync('unsquashfs', ['-lln', '-d', '', image], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
      .split('\n')
      .filter(Boolean),
  );

interface Unpacked {
  isoDir: string;
  squashfs: string;
  rootDir: string;
}

/** Extracts the ISO's files, then its squashfs root file system when it has one. */
function unpack(iso: string, scratchDir: string, index: number): Unpacked {
  const isoDir = join(scratchDir, `iso-${index}`);
  mkdirSync(isoDir, { recursive: true });
  execFileSync('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', '/', isoDir], { stdio: 'ignore' });
  // xorriso takes a file without an ISO 9660 image as a blank medium and extracts nothing, successfully.
  if (readdirSync(isoDir).length === 0) throw new Error(`${iso}: no files in it; expected an ISO 9660 image`);
  const squashfs = join(isoDir, 'live', 'filesystem.squashfs');
  const rootDir = join(scratchDir, `root-${index}`);
  if (existsSync(squashfs))
    execFileSync('unsquashfs', ['-no-xattrs', '-quiet', '-no-progress', '-d', rootDir, squashfs], { stdio: 'ignore' });
  return { isoDir, squashfs, rootDir };
}

function differences(a: Unpacked, b: Unpacked): { differingFiles: string[]; differingMetadata: string[] } {
  const differingFiles = differing(fileHashes(a.isoDir), fileHashes(b.isoDir), 'iso:');
  let differingMetadata: string[] = [];
  if (existsSync(a.rootDir) && existsSync(b.rootDir)) {
    differingFiles.push(...differing(fileHashes(a.rootDir), fileHashes(b.rootDir), 'squashfs:'));
    const listingB = squashfsListing(b.squashfs);
    differingMetadata = [...squashfsListing(a.squashfs)].filter((line) => !listingB.has(line));
  }
  return { differingFiles, differingMetadata };
}

/**
 * Compares two ISOs: checksums first; if they differ, unpacks both (ISO files, then the squashfs root
 * file system) in `scratchDir` and names every file whose content or metadata differs.
 */
export async function compareIsos(first: string, second: string, scratchDir: string): Promise<ComparisonReport> {
  const sha256: [string, string] = [await sha256File(first), await sha256File(second)];
  if (sha256[0] === sha256[1]) {
    return { identical: true, sha256, differingFiles: [], differingMetadata: [], summary: `identical: both ISOs have sha256 ${sha256[0]}` };
  }
  rmSync(scratchDir, { recursive: true, force: true });
  let found;
  try {
    found = differences(unpack(first, scratchDir, 0), unpack(second, scratchDir, 1));
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
  }
  const { differingFiles, differingMetadata } = found;
  const contentDiffs = differingFiles.filter((p) => !p.endsWith('/live/filesystem.squashfs'));
  const summary =
    contentDiffs.length === 0 && differingMetadata.length === 0
      ? `not bit-identical (sha256 ${sha256[0].slice(0, 12)}… vs ${sha256[1].slice(0, 12)}…), but every file has the same content and metadata; the difference is in the image containers: ${differingFiles.join(', ') || 'ISO layout'}`
      : `not bit-identical: ${differingFiles.length} file(s) differ in content, ${differingMetadata.length} squashfs entr(y/ies) differ in metadata`;
  return { identical: false, sha256, differingFiles, differingMetadata, summary };
}

export function formatComparison(report: ComparisonReport, limit = 40): string {
  const lines = [report.summary, `sha256 first:  ${report.sha256[0]}`, `sha256 second: ${report.sha256[1]}`];
  if (report.differingFiles.length > 0)
    lines.push('files differing in content:', ...report.differingFiles.slice(0, limit).map((p) => `  ${p}`));
  if (report.differingFiles.length > limit) lines.push(`  … and ${report.differingFiles.length - limit} more`);
  if (report.differingMetadata.length > 0)
    lines.push(
      'squashfs entries differing in metadata (first build side):',
      ...report.differingMetadata.slice(0, limit).map((p) => `  ${p}`),
    );
  if (report.differingMetadata.length > limit) lines.push(`  … and ${report.differingMetadata.length - limit} more`);
  return `${lines.join('\n')}\n`;
}
