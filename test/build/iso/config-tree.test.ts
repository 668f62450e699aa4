import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { liveBuildConfig, type ConfigSettings } from '../../../build/iso/config/config-tree.js';
import { loadCatalog } from '../../../build/profile/catalog.js';
import { loadProfile, profilePath, SERVICES_DIR } from '../../../build/profile/load-profile.js';

const catalog = loadCatalog(SERVICES_DIR);
const edge = loadProfile(profilePath('edge-iot'), catalog);
const settings: ConfigSettings = {
  mirrors: { debian: 'http://deb.debian.org/debian', security: 'http://deb.debian.org/debian-security' },
  imageName: 'borgos',
  sourceDateEpoch: 1_700_000_000,
  liveBuildVersion: '1:20230502',
};
const dir = mkdtempSync(join(tmpdir(), 'borg-iso-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fileText = (config: ReturnType<typeof liveBuildConfig>, path: string): string => {
  const file = config.files.get(path);
  if (!file) throw new Error(`no ${path} in the config tree`);
  return file.content;
};

describe('live-build configuration for edge-iot', () => {
  const config = liveBuildConfig(edge, settings);

  it('boots unattended: short menu timeouts and the kernel on the serial console', () => {
    expect(fileText(config, 'config/bootloaders/isolinux/isolinux.cfg')).toMatch(/^timeout 10$/m);
    expect(fileText(config, 'config/bootloaders/grub-pc/config.cfg')).toMatch(/^set timeout=1$/m);
    const append = config.lbArgs[config.lbArgs.indexOf('--bootappend-live') + 1];
    expect(append).toContain('console=ttyS0,115200n8');
    expect(append).toContain('hostname=borgos-edge');
    expect(append).toContain('live-config.nocomponents=user-setup,sudo');
  });

  it('builds a hybrid image with BIOS and UEFI boot loaders from the chosen mirrors', () => {
    const arg = (name: string): string | undefined => config.lbArgs[config.lbArgs.indexOf(name) + 1];
    expect(arg('--binary-image')).toBe('iso-hybrid');
    expect(arg('--bootloaders')).toBe('syslinux,grub-efi');
    expect(arg('--mirror-chroot-security')).toBe('http://deb.debian.org/debian-security');
  });

  it('installs every service package, the Node runtime and the profile packages', () => {
    const packages = fileText(config, 'config/package-lists/borgos.list.chroot').trim().split('\n');
    expect(packages).toEqual(expect.arrayContaining(['openssh-server', 'nginx', 'chrony', 'nodejs', 'curl']));
  });

  it('enables every service unit and runs service setup in the build hook', () => {
    const hook = fileText(config, 'config/hooks/normal/9000-borgos.hook.chroot');
    expect(hook).toMatch(/^systemctl enable borg-ready\.service networking\.service ssh\.service nginx\.service chrony\.service$/m);
    expect(hook).toContain('rm -f /etc/ssh/ssh_host_*');
    expect(config.files.get('config/hooks/normal/9000-borgos.hook.chroot')?.mode).toBe(0o755);
  });

  it('records the profile and the inputs hash in the image', () => {
    const env = fileText(config, 'config/includes.chroot_after_packages/usr/lib/borgos/profile.env');
    expect(env).toContain(`PROFILE='edge-iot'\n`);
    expect(env).toContain(`INPUTS_HASH='${config.inputsHash}'\n`);
    expect(env).toContain(`BUILT_AT='2023-11-14T22:13:20.000Z'\n`);
  });
});

describe('profile settings in the build hook', () => {
  it('creates users with their SSH keys, generates the locale and sets the time zone', () => {
    const file = join(dir, 'people.yaml');
    writeFileSync(
      file,
      [
        'profile: people',
        'description: d',
        'services: [ssh]',
        'locale: de_DE.UTF-8',
        'timezone: Europe/Berlin',
        'users:',
        '  - name: ops',
        '    sudo: true',
        '    ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB ops@laptop"]',
        '',
      ].join('\n'),
    );
    const config = liveBuildConfig(loadProfile(file, catalog, dir), settings);
    const hook = fileText(config, 'config/hooks/normal/9000-borgos.hook.chroot');
    expect(hook).toContain("useradd --create-home --shell /bin/bash --groups sudo 'ops'");
    // Keys only, so no password: sudo must not ask for one.
    expect(hook).toContain(
      "printf '%s ALL=(ALL) NOPASSWD:ALL\\n' 'ops' > '/etc/sudoers.d/borgos-ops'\nchmod 0440 '/etc/sudoers.d/borgos-ops'\nvisudo -cqf '/etc/sudoers.d/borgos-ops'",
    );
    expect(hook).toContain(`printf '%s\\n' 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB ops@laptop' > /home/ops/.ssh/authorized_keys`);
    expect(hook).toContain("echo 'de_DE.UTF-8 UTF-8' > /etc/locale.gen");
    expect(hook).toContain("ln -sf /usr/share/zoneinfo/'Europe/Berlin' /etc/localtime");
    const packages = fileText(config, 'config/package-lists/borgos.list.chroot').trim().split('\n');
    expect(packages).toEqual(expect.arrayContaining(['locales', 'sudo']));
  });
});

describe('inputs hash', () => {
  const hash = (profileText: string, overrides: Partial<ConfigSettings> = {}): string => {
    const file = join(dir, 'hashed.yaml');
    writeFileSync(file, profileText);
    return liveBuildConfig(loadProfile(file, catalog, dir), { ...settings, ...overrides }).inputsHash;
  };
  const base = 'profile: hashed\ndescription: d\nservices: [ssh]\n';

  it('is the same for the same inputs', () => {
    expect(hash(base)).toBe(hash(base));
    expect(hash(base)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('changes with the profile, the mirror, SOURCE_DATE_EPOCH and the live-build version', () => {
    const seen = new Set([
      hash(base),
      hash(`${base}packages: [curl]\n`),
      hash(base, { mirrors: { ...settings.mirrors, debian: 'http://snapshot.debian.org/archive/debian/20250520T000000Z' } }),
      hash(base, { sourceDateEpoch: 1_700_000_001 }),
      hash(base, { liveBuildVersion: '1:20250505' }),
    ]);
    expect(seen.size).toBe(5);
  });
});
