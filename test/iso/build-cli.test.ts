import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/stack.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run iso (iso/build.ts) on a host without Debian tools', () => {
  it('reports a broken profile first, then says the host cannot build, and writes nothing', () => {
    const dir = tempDir('iso-cli-');
    const profile = join(dir, 'mine.yaml');
    // A PATH with node alone: no dpkg-query to say which build packages are installed.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const out = join(dir, 'out');
    const build = () =>
      spawnSync(process.execPath, ['--import', 'tsx', 'iso/build.ts', '--profile', profile, '--out', out, '--cache', join(dir, 'cache')], {
        cwd: repo,
        encoding: 'utf8',
        env: { ...process.env, PATH: bin },
      });

    writeFileSync(profile, 'profile: mine\ndescription: d\nservices: [ssh, ngnix]\n');
    const broken = build();
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain('error: invalid profile');
    expect(broken.stderr).toContain('services[1]: unknown service "ngnix" (did you mean "nginx"?)');

    writeFileSync(profile, 'profile: mine\ndescription: d\nservices: [ssh]\n');
    const valid = build();
    expect(valid.status).toBe(1);
    expect(valid.stderr.trim()).toBe('error: cannot ask dpkg-query which host packages are installed (spawnSync dpkg-query ENOENT); ISOs build on Debian or Ubuntu hosts');
    expect(existsSync(out)).toBe(false);
  });
});
