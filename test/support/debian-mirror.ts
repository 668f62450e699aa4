import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A package stanza as a Packages file holds it; only the fields the index reads matter. */
export interface Stanza {
  name: string;
  provides?: string;
}

/** The stanzas as a Packages file holds them. */
export function packagesText(stanzas: readonly Stanza[]): string {
  return stanzas
    .map((s) => `Package: ${s.name}\nVersion: 1.0\nArchitecture: amd64\n${s.provides ? `Provides: ${s.provides}\n` : ''}`)
    .join('\n');
}

/**
 * Writes `dists/SUITE` of a Debian mirror into `root`, as apt and live-build read it: a Release file whose SHA256
 * section names main/binary-amd64/Packages.xz, and that file, compressed with the real xz. Returns the file:// URL.
 */
export function writeSuite(root: string, suite: string, stanzas: readonly Stanza[]): string {
  const dir = join(root, 'dists', suite, 'main', 'binary-amd64');
  mkdirSync(dir, { recursive: true });
  const xz = spawnSync('xz', ['--compress', '--stdout'], { input: packagesText(stanzas) });
  if (xz.status !== 0) throw new Error(`xz failed: ${xz.stderr.toString()}`);
  writeFileSync(join(dir, 'Packages.xz'), xz.stdout);
  const digest = createHash('sha256').update(xz.stdout).digest('hex');
  writeFileSync(
    join(root, 'dists', suite, 'InRelease'),
    `Origin: Debian\nSuite: ${suite}\nSHA256:\n ${digest} ${xz.stdout.length} main/binary-amd64/Packages.xz\n`,
  );
  return pathToFileURL(root).href;
}
