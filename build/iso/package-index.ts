import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARCHITECTURE, DISTRIBUTION } from './config/lb-options.js';
import type { Mirrors } from './mirror.js';

/** What apt could install by name: real packages, and the packages providing each virtual name. */
export interface PackageIndex {
  packages: Set<string>;
  providers: Map<string, string[]>;
  /** Where the names came from, for messages: `bookworm, bookworm-updates, bookworm-security (main, amd64)`. */
  describe: string;
}

/** One `dists/SUITE` of a mirror; live-build installs from all three (`--updates true`, `--security true`). */
interface Suite {
  mirror: string;
  suite: string;
}

const INDEX_PATH = `main/binary-${ARCHITECTURE}/Packages.xz`;

function suitesOf(mirrors: Mirrors): Suite[] {
  return [
    { mirror: mirrors.debian, suite: DISTRIBUTION },
    { mirror: mirrors.debian, suite: `${DISTRIBUTION}-updates` },
    { mirror: mirrors.security, suite: `${DISTRIBUTION}-security` },
  ];
}

class IndexUnavailable extends Error {
  /** The mirror answered, and has no such file. */
  missing = false;
}

const notFound = (message: string): IndexUnavailable => Object.assign(new IndexUnavailable(message), { missing: true });

async function readUrl(url: string, timeoutMs: number): Promise<Buffer> {
  if (url.startsWith('file://')) {
    try {
      return readFileSync(fileURLToPath(url));
    } catch (err) {
      const message = `${url}: ${(err as Error).message}`;
      throw (err as NodeJS.ErrnoException).code === 'ENOENT' ? notFound(message) : new IndexUnavailable(message);
    }
  }
  try {
    // The deadline covers the body too: a mirror that stalls half-way is as unavailable as one that never answers.
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (response.status === 404) throw notFound(`${url}: HTTP 404`);
    if (!response.ok) throw new IndexUnavailable(`${url}: HTTP ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  } catch (err) {
    if (err instanceof IndexUnavailable) throw err;
    const cause = (err as Error & { cause?: Error }).cause;
    throw new IndexUnavailable(`${url}: ${cause?.message ?? (err as Error).message}`);
  }
}

/** The SHA-256 that the suite's Release file gives for its package index: names the cached copy and checks the download. */
function indexDigest(release: string, url: string): string {
  const section = /^SHA256:\n((?:[ \t].*\n?)*)/m.exec(release.replaceAll('\r\n', '\n'))?.[1] ?? '';
  for (const line of section.split('\n')) {
    const [digest, , path] = line.trim().split(/\s+/);
    if (path === INDEX_PATH && digest && /^[0-9a-f]{64}$/.test(digest)) return digest;
  }
  throw new IndexUnavailable(`${url} lists no SHA-256 for ${INDEX_PATH}`);
}

async function releaseFile(base: string): Promise<{ text: string; url: string }> {
  try {
    return { text: (await readUrl(`${base}/InRelease`, 30_000)).toString('utf8'), url: `${base}/InRelease` };
  } catch (err) {
    // Older and local mirrors may publish only Release, with its signature apart in Release.gpg.
    if (!(err instanceof IndexUnavailable && err.missing)) throw err;
    return { text: (await readUrl(`${base}/Release`, 30_000)).toString('utf8'), url: `${base}/Release` };
  }
}

/** The suite's Packages.xz, from the cache when the Release file still names the same content. */
async function fetchIndex({ mirror, suite }: Suite, cacheDir: string, keep: Set<string>, say: (line: string) => void): Promise<Buffer> {
  const base = `${mirror}/dists/${suite}`;
  const release = await releaseFile(base);
  const digest = indexDigest(release.text, release.url);
  keep.add(`${digest}.xz`);
  const cached = join(cacheDir, `${digest}.xz`);
  // Checked on every read: a copy damaged on disk is fetched again rather than trusted until the index changes.
  const kept = existsSync(cached) ? readFileSync(cached) : undefined;
  if (kept && sha256(kept) === digest) return kept;
  say(`[iso] fetching the package index of ${suite} from ${mirror}`);
  const bytes = await readUrl(`${base}/${INDEX_PATH}`, 120_000);
  const got = sha256(bytes);
  if (got !== digest) throw new IndexUnavailable(`${base}/${INDEX_PATH} has SHA-256 ${got}, but ${release.url} says ${digest}`);
  keepCopy(cached, bytes);
  return bytes;
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Caches a fetched index if it can: a cache it may not write (one root made, say) only costs the next download. */
function keepCopy(file: string, bytes: Buffer): void {
  // A name of its own: another build may be fetching the same index into this directory right now.
  const partial = `${file}.${process.pid}.partial`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(partial, bytes);
    renameSync(partial, file);
  } catch {
    ignoreErrors(() => rmSync(partial, { force: true }));
  }
}

/** For cache upkeep, which must never fail a build. */
function ignoreErrors(fn: () => void): void {
  try {
    fn();
  } catch {
    // Someone else's cache, or no cache at all: the next build that may write it tidies it.
  }
}

function unxz(bytes: Buffer): string {
  const result = spawnSync('xz', ['--decompress', '--stdout'], { input: bytes, maxBuffer: 1 << 30 });
  if (result.error && 'code' in result.error && result.error.code === 'ENOENT')
    throw new IndexUnavailable('xz is not installed (Debian package xz-utils)');
  if (result.error || result.status !== 0) {
    throw new IndexUnavailable(`xz could not decompress a package index: ${result.error?.message ?? result.stderr.toString().trim()}`);
  }
  return result.stdout.toString('utf8');
}

/** Adds the stanzas of a Packages file: each `Package:` name, and each name its `Provides:` line offers. */
export function addPackages(index: Pick<PackageIndex, 'packages' | 'providers'>, text: string): void {
  let current = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('Package: ')) {
      current = line.slice(9).trim();
      index.packages.add(current);
    } else if (line.startsWith('Provides: ')) {
      for (const entry of line.slice(10).split(',')) {
        const name = entry.trim().split(/\s/)[0];
        if (!name) continue;
        const providers = index.providers.get(name) ?? [];
        if (!providers.includes(current)) providers.push(current);
        index.providers.set(name, providers);
      }
    }
  }
}

/**
 * The names apt will find in the mirrors the build uses, or the reason they could not be read. The indices are
 * cached in `cacheDir` (one per mirror pair) by the digest their signed Release file gives (whose signature apt checks when it installs).
 */
export async function loadPackageIndex(
  mirrors: Mirrors,
  cacheDir: string,
  say: (line: string) => void,
): Promise<PackageIndex | { unavailable: string }> {
  const suites = suitesOf(mirrors);
  const index: PackageIndex = {
    packages: new Set(),
    providers: new Map(),
    describe: `${suites.map((s) => s.suite).join(', ')} (main, ${ARCHITECTURE})`,
  };
  const keep = new Set<string>();
  try {
    for (const suite of suites) addPackages(index, unxz(await fetchIndex(suite, cacheDir, keep, say)));
  } catch (err) {
    if (err instanceof IndexUnavailable) return { unavailable: err.message };
    throw err;
  }
  pruneCopies(cacheDir, keep);
  return index;
}

/** Removes the copies no Release file names any more, where it may. */
function pruneCopies(cacheDir: string, keep: ReadonlySet<string>): void {
  ignoreErrors(() => {
    for (const name of existsSync(cacheDir) ? readdirSync(cacheDir) : []) {
      if (name.endsWith('.xz') && !keep.has(name)) ignoreErrors(() => rmSync(join(cacheDir, name), { force: true }));
    }
  });
}
