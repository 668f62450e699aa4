import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { missingPackages, BUILD_PACKAGES } from '../../../build/iso/host-tools.js';
import { packageIssues } from '../../../build/iso/package-check.js';
import { addPackages, type PackageIndex } from '../../../build/iso/package-index.js';
import { loadCatalog } from '../../../build/profile/catalog.js';
import { loadProfile, SERVICES_DIR } from '../../../build/profile/load-profile.js';
import { formatIssue } from '../../../build/profile/profile-error.js';
import { packagesText, writeSuite, type Stanza } from '../../support/debian-mirror.js';
import { freePort } from '../../support/ports.js';
import { tempDir } from '../../support/stack.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const catalogPackages = [...loadCatalog(SERVICES_DIR).values()].flatMap((s) => s.packages ?? []);
const archive: Stanza[] = [
  // As far from "ngnix" by substitutions as "nginx" is, and listed first: only counting a swap as one step finds "nginx".
  { name: 'afnix' },
  ...catalogPackages.map((name) => ({ name })),
  { name: 'curl' },
  { name: 'cork' },
  { name: 'firehol' },
  { name: 'openssh-client' },
  { name: 'gawk', provides: 'awk' },
  { name: 'mawk', provides: 'awk' },
  { name: 'exim4-daemon-light', provides: 'mail-reader' },
];

/** An index read by the build's own parser from a Packages file of these stanzas. */
function indexOf(stanzas: readonly Stanza[]): PackageIndex {
  const index: PackageIndex = { packages: new Set(), providers: new Map(), describe: 'bookworm (main, amd64)' };
  addPackages(index, packagesText(stanzas));
  return index;
}

function profileFile(packages: string, services = '[ssh]'): string {
  const file = join(tempDir('pkg-profile-'), 'mine.yaml');
  writeFileSync(file, `profile: mine\ndescription: d\nservices: ${services}\npackages: ${packages}\n`);
  return file;
}

describe('package names a profile gives, against the mirror', () => {
  it('locates each name apt would refuse, with a hint only where one is likely right', () => {
    const names = ['curl', 'ngnix', 'awk', 'mail-reader', 'openssh', 'firefox', 'curk'];
    const file = profileFile(`[${names.join(', ')}]`);
    const line = readFileSync(file, 'utf8').split('\n')[3]!;
    const at = (name: string) => `${file.slice(1)}:4:${line.indexOf(` ${name}`) + 2}`;
    const issues = packageIssues(loadProfile(file), indexOf(archive), '/');
    expect(issues.map(formatIssue)).toEqual([
      `${at('ngnix')}: packages[1]: "ngnix" is not a package in Debian bookworm (main, amd64) (did you mean "nginx"?)`,
      `${at('awk')}: packages[2]: "awk" is a virtual package that 2 packages provide (gawk, mawk), and apt will not choose among them; name one`,
      `${at('openssh')}: packages[4]: "openssh" is not a package in Debian bookworm (main, amd64); packages whose names begin with it: openssh-client, openssh-server`,
      // Two edits from "firehol": among tens of thousands of names that is noise, not a typo.
      `${at('firefox')}: packages[5]: "firefox" is not a package in Debian bookworm (main, amd64)`,
      // "curl" and "cork" are each one edit away: a guess either way.
      `${at('curk')}: packages[6]: "curk" is not a package in Debian bookworm (main, amd64)`,
    ]);
  });

  it('names the catalog file of a service whose packages the mirror lacks', () => {
    const file = profileFile('[]', '[nginx]');
    const issues = packageIssues(loadProfile(file), indexOf(archive.filter((s) => s.name !== 'nginx')), repo);
    expect(issues.map(formatIssue)).toEqual([
      expect.stringMatching(
        /^build\/profiles\/services\/nginx\.yaml:\d+:\d+: packages\[0\]: "nginx" is not a package in Debian bookworm \(main, amd64\)$/,
      ),
    ]);
  });

  it('lists five providers of a virtual package and says how many there are', () => {
    const mtas = ['courier-mta', 'dma', 'esmtp-run', 'exim4-daemon-heavy', 'exim4-daemon-light', 'postfix', 'sendmail-bin'];
    const file = profileFile('[mail-transport-agent]');
    const [issue] = packageIssues(loadProfile(file), indexOf(mtas.map((name) => ({ name, provides: 'mail-transport-agent' }))));
    expect(issue?.message).toBe(
      'packages[0]: "mail-transport-agent" is a virtual package that 7 packages provide (courier-mta, dma, esmtp-run, exim4-daemon-heavy, exim4-daemon-light, …), and apt will not choose among them; name one',
    );
  });

  describe('npm run iso, as a user who may not build (nobody, when the tests run as root)', () => {
    // The build checks its host tools first (live-build's version is part of the inputs), so this needs them installed, as CI does.
    const canRun = missingPackages(BUILD_PACKAGES).length === 0;
    const open = (dir: string): string => (chmodSync(dir, 0o755), dir);
    const isoAsNobody = (...args: string[]) => {
      const command = [process.execPath, '--import', 'tsx', 'build/iso/build.ts', ...args];
      // Unprivileged, so a regression that skipped the check would stop at "needs root", never start live-build.
      const [file, ...rest] =
        process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...command] : command;
      return spawnSync(file!, rest, { cwd: repo, encoding: 'utf8', env: { ...process.env, HOME: '/tmp' } });
    };
    const mirrorPair = () => {
      const debianRoot = open(tempDir('mirror-debian-'));
      const debian = writeSuite(debianRoot, 'bookworm', archive);
      writeSuite(debianRoot, 'bookworm-updates', []);
      return { debian, security: writeSuite(open(tempDir('mirror-security-')), 'bookworm-security', []) };
    };
    const buildArgs = (profile: string, mirrors: { debian: string; security: string }) => {
      const out = join(open(tempDir('pkg-out-')), 'out');
      return {
        out,
        args: [
          '--profile',
          profile,
          '--out',
          out,
          '--cache',
          join(open(tempDir('pkg-cache-')), 'cache'),
          '--mirror',
          mirrors.debian,
          '--security-mirror',
          mirrors.security,
        ],
      };
    };
    const nobodyProfile = (packages: string) => {
      const file = profileFile(packages);
      open(dirname(file));
      return file;
    };

    it.runIf(canRun)('stops on a misspelt package within seconds, located, and writes nothing', () => {
      const file = nobodyProfile('[curl, ngnix]');
      const { out, args } = buildArgs(file, mirrorPair());
      const run = isoAsNobody(...args);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(
        `error: invalid profile\n${file}:4:18: packages[1]: "ngnix" is not a package in Debian bookworm, bookworm-updates, bookworm-security (main, amd64) (did you mean "nginx"?)\n`,
      );
      expect(existsSync(out)).toBe(false);
    });

    it.runIf(canRun)('says when it could not check the names, and goes on to the next check', async () => {
      const closedPort = await freePort();
      const { out, args } = buildArgs(nobodyProfile('[curl]'), { ...mirrorPair(), debian: `http://127.0.0.1:${closedPort}/debian` });
      const run = isoAsNobody(...args);
      expect(run.stderr).toContain(
        `[iso] package names not checked: http://127.0.0.1:${closedPort}/debian/dists/bookworm/InRelease: connect ECONNREFUSED 127.0.0.1:${closedPort}\n`,
      );
      if (process.getuid?.() === 0) expect(run.stderr).toContain('error: building an ISO runs live-build, which needs root');
      expect(existsSync(out)).toBe(false);
    });
  });
});
