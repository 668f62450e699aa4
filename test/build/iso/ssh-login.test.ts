import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../../build/profile/load-profile.js';
import { checkLogin } from '../../../build/iso/ssh-login.js';
import { tempDir } from '../../support/stack.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMbtYSXfiCvWc/nW1wMHNg5ypGAEXbGWjTuQBze+XNYM ops@laptop';

function profileWith(services: string, users: string) {
  const file = join(tempDir('login-profile-'), 'mine.yaml');
  writeFileSync(file, `profile: mine\ndescription: d\nservices: ${services}\nusers:\n${users}`);
  return loadProfile(file);
}

const boot = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'build/iso/boot.ts', ...args], { cwd: repo, encoding: 'utf8' });

describe('an SSH login asked of the boot check', () => {
  it('is refused before anything boots when the profile cannot grant it', () => {
    const users = `  - name: ops\n    sudo: true\n    ssh_authorized_keys: ["${KEY}"]\n  - name: nokey\n`;
    expect(() => checkLogin(profileWith('[nginx]', users), { user: 'ops', keyFile: 'k' })).toThrow(
      '--ssh-user: profile mine does not run ssh, so nobody can log in',
    );
    const withSsh = profileWith('[ssh]', users);
    expect(() => checkLogin(withSsh, { user: 'root', keyFile: 'k' })).toThrow(
      '--ssh-user: profile mine has no user "root"; expected one of: ops, nokey',
    );
    expect(() => checkLogin(withSsh, { user: 'nokey', keyFile: 'k' })).toThrow(
      '--ssh-user: user nokey of profile mine has no ssh_authorized_keys, so it cannot log in',
    );
    expect(() => checkLogin(withSsh, { user: 'ops', keyFile: 'k' })).not.toThrow();
  });

  it('build/iso/boot.ts wants --ssh-user and --ssh-key together, and names a user the profile lacks before booting', () => {
    const alone = boot('--iso', 'x.iso', '--profile', 'edge-iot', '--ssh-user', 'ops');
    expect(alone.status).toBe(2);
    expect(alone.stderr).toContain('error: --ssh-user and --ssh-key go together');

    const missing = boot(
      '--iso',
      join(tempDir('boot-'), 'never-built.iso'),
      '--profile',
      'edge-iot',
      '--ssh-user',
      'ops',
      '--ssh-key',
      'k',
    );
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim().split('\n').at(-1)).toBe('error: --ssh-user: profile edge-iot has no user "ops"; it declares no users');
  });
});
