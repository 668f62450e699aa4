import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { missingPackages, BUILD_PACKAGES } from '../../iso/host-tools.js';
import { packageIssues } from '../../iso/package-check.js';
import type { PackageIndex } from '../../iso/package-index.js';
import { loadCatalog } from '../../profiles/catalog.js';
import { loadProfile, SERVICES_DIR } from '../../profiles/load-profile.js';
import { formatIssue } from '../../profiles/profile-error.js';
import { writeSuite, type Stanza } from '../support/debian-mirror.js';
import { tempDir } from '../support/stack.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const catalogPackages = [...loadCatalog(SERVICES_DIR).values()].flatMap((s) => s.packages ?? []);
const archive: Stanza[] = [
  // As far from "ngnix" by substitutions as "nginx" is, and listed first: only counting a swap as one step finds "nginx".
  { name: 'afnix' },
  ...catalogPackages.map((name) => ({ name })),
  { name: 'curl' },
  { name: 'gawk', provides: 'awk' },
  { name: 'mawk', provides: 'awk' },
  { name: 'exim4-daemon-light', provides: 'mail-reader' },
];

function indexOf(stanzas: readonly Stanza[]): PackageIndex {
  const index: PackageIndex = { packages: new Set(), providers: new Map(), describe: 'bookworm (main, amd64)' };
  for (const s of stanzas) {
    index.packages.add(s.name);
    for (const name of s.provides?.split(', ') ?? []) index.providers.set(name, [...(index.providers.get(name) ?? []), s.name]);
  }
  return index;
}

function profileFile(packages: string, services = '[ssh]'): string {
  const file = join(tempDir('pkg-profile-'), 'mine.yaml');
  writeFileSync(file, `profile: mine\ndescription: d\nservices: ${services}\npackages: ${packages}\n`);
  return file;
}

describe('package names a profile gives, against the mirror', () => {
  it('locates each name apt would refuse: a typo with the nearest name, a virtual package with several providers', () => {
    const file = profileFile('[curl, ngnix, awk, mail-reader]');
    const issues = packageIssues(loadProfile(file), indexOf(archive), '/');
    expect(issues.map(formatIssue)).toEqual([
      `${file.slice(1)}:4:18: packages[1]: "ngnix" is not a package in Debian bookworm (main, amd64) (did you mean "nginx"?)`,
      `${file.slice(1)}:4:25: packages[2]: "awk" is a virtual package with 2 providers (gawk, mawk); expected one package, for example one of those`,
    ]);
  });

  it('names the catalog file of a service whose packages the mirror lacks', () => {
    const file = profileFile('[]', '[nginx]');
    const issues = packageIssues(loadProfile(file), indexOf(archive.filter((s) => s.name !== 'nginx')), repo);
    expect(issues.map(formatIssue)).toEqual([expect.stringMatching(/^profiles\/services\/nginx\.yaml:\d+:\d+: packages\[0\]: "nginx" is not a package in Debian bookworm \(main, amd64\)$/)]);
  });

  it('passes every shipped profile against an archive holding the catalog’s packages', () => {
    const shipped = ['edge-iot', 'server', 'workstation'].map((name) => loadProfile(join(repo, 'profiles', `${name}.yaml`)));
    const all = archive.concat(shipped.flatMap((p) => p.packages.map((name) => ({ name }))));
    for (const profile of shipped) expect(packageIssues(profile, indexOf(all))).toEqual([]);
  });

  // The build checks its host tools first (live-build's version is part of the inputs), so this needs them installed, as CI does.
  it.runIf(missingPackages(BUILD_PACKAGES).length === 0)('npm run iso stops on a misspelt package within seconds, before live-build or root, and writes nothing', () => {
    const debianRoot = tempDir('mirror-debian-');
    const debian = writeSuite(debianRoot, 'bookworm', archive);
    writeSuite(debianRoot, 'bookworm-updates', []);
    const security = writeSuite(tempDir('mirror-security-'), 'bookworm-security', []);
    const file = profileFile('[curl, ngnix]');
    const out = join(tempDir('pkg-out-'), 'out');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'iso/build.ts', '--profile', file, '--out', out, '--cache', tempDir('pkg-cache-'), '--mirror', debian, '--security-mirror', security], {
      cwd: repo,
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`error: invalid profile\n${file}:4:18: packages[1]: "ngnix" is not a package in Debian bookworm, bookworm-updates, bookworm-security (main, amd64) (did you mean "nginx"?)\n`);
    expect(existsSync(out)).toBe(false);
  });
});
