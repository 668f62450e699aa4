import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/stack.js';

const script = fileURLToPath(new URL('../../src/main/ensure-deps.mjs', import.meta.url));
const INSTALLING = 'borg: installing npm dependencies';
const STAMP = 'node_modules/.borg-lockfile-sha256';

/** A project whose one dependency is a local folder, so npm installs it without a registry. */
function project(): string {
  const dir = tempDir('ensure-deps-');
  mkdirSync(join(dir, 'dep'));
  writeFileSync(join(dir, 'dep', 'package.json'), JSON.stringify({ name: 'dep', version: '1.0.0' }));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { dep: 'file:dep' } }),
  );
  return dir;
}

function ensure(dir: string): string {
  const run = spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8', env: { ...process.env, npm_config_offline: 'true' } });
  expect(run.status).toBe(0);
  return run.stderr;
}

describe('src/main/ensure-deps.mjs (before npm start and npm test)', () => {
  it('installs on a fresh clone and when the lockfile changes, and only then', () => {
    const dir = project();
    expect(ensure(dir)).toContain(INSTALLING);
    expect(existsSync(join(dir, 'node_modules', 'dep', 'package.json'))).toBe(true);
    expect(ensure(dir)).not.toContain(INSTALLING);

    // A plain `npm install` (as .ci/run does) leaves no stamp; npm's own record, newer than the lockfile, stands for it.
    rmSync(join(dir, STAMP));
    expect(ensure(dir)).not.toContain(INSTALLING);
    expect(existsSync(join(dir, STAMP))).toBe(true);

    // A checkout or copy that touches the lockfile without changing it installs nothing.
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'package-lock.json'), later, later);
    expect(ensure(dir)).not.toContain(INSTALLING);

    writeFileSync(join(dir, 'dep', 'package.json'), JSON.stringify({ name: 'dep', version: '1.0.1' }));
    spawnSync('npm', ['install', '--package-lock-only', '--offline'], { cwd: dir });
    // node_modules now looks newer than the lockfile, which must not hide the change.
    const now = new Date();
    utimesSync(join(dir, 'package-lock.json'), new Date(now.getTime() - 60_000), new Date(now.getTime() - 60_000));
    expect(ensure(dir)).toContain(INSTALLING);
    expect(ensure(dir)).not.toContain(INSTALLING);
  });

  it('leaves a node_modules shared through a symlink alone when it already matches the lockfile', () => {
    const installed = project();
    ensure(installed);
    const clone = tempDir('ensure-deps-clone-');
    for (const file of ['package.json', 'package-lock.json', 'dep']) cpSync(join(installed, file), join(clone, file), { recursive: true });
    symlinkSync(join(installed, 'node_modules'), join(clone, 'node_modules'));
    expect(ensure(clone)).not.toContain(INSTALLING);
    expect(lstatSync(join(clone, 'node_modules')).isSymbolicLink()).toBe(true);
    rmSync(clone, { recursive: true, force: true });
  });
});
