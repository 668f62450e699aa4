import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/stack.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));

/** `build/iso/build.ts` on a host whose PATH has node alone: no dpkg-query to say which build packages are installed. */
function isoWithoutDebianTools(dir: string, ...args: string[]) {
  const bin = join(dir, 'bin');
  if (!existsSync(bin)) {
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
  }
  return spawnSync(process.execPath, ['--import', 'tsx', 'build/iso/build.ts', ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, PATH: bin },
  });
}

describe('npm run iso (build/iso/build.ts)', () => {
  it('reports a broken profile first, then says the host cannot build, and writes nothing', () => {
    const dir = tempDir('iso-cli-');
    const profile = join(dir, 'mine.yaml');
    const out = join(dir, 'out');
    const build = () => isoWithoutDebianTools(dir, '--profile', profile, '--out', out, '--cache', join(dir, 'cache'));

    writeFileSync(profile, 'profile: mine\ndescription: d\nservices: [ssh, ngnix]\n');
    const broken = build();
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain('error: invalid profile');
    expect(broken.stderr).toContain('services[1]: unknown service "ngnix" (did you mean "nginx"?)');

    writeFileSync(profile, 'profile: mine\ndescription: d\nservices: [ssh]\n');
    const valid = build();
    expect(valid.status).toBe(1);
    expect(valid.stderr.trim()).toBe(
      'error: cannot ask dpkg-query which host packages are installed (spawnSync dpkg-query ENOENT); ISOs build on Debian or Ubuntu hosts',
    );
    expect(existsSync(out)).toBe(false);
  });

  it('points to --help for an option it does not know, and refuses an empty tag rather than using the default', () => {
    const dir = tempDir('iso-cli-');
    const unknown = isoWithoutDebianTools(dir, '--profile', 'edge-iot', '--bogus');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.trim()).toMatch(/^error: Unknown option '--bogus'.*; see --help$/);
    const empty = isoWithoutDebianTools(dir, '--profile', 'edge-iot', '--tag', '', '--out', join(dir, 'out'));
    expect(empty.status).toBe(1);
    expect(empty.stderr.trim()).toBe('error: ISO tag: got ""; expected letters, digits, dots, dashes and underscores');
  });
});
