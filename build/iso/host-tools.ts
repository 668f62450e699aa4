import { execFileSync, spawnSync } from 'node:child_process';

/** Debian packages the builder needs on the host: live-build plus the tools it recommends and calls. */
export const BUILD_PACKAGES = [
  'live-build',
  'xorriso',
  'squashfs-tools',
  'apt-utils',
  'bzip2',
  'cpio',
  'file',
  'rsync',
  'wget',
  'xz-utils',
];
/** Debian packages the boot harness needs on the host (ovmf for UEFI boots, openssh-client to log in). */
export const BOOT_PACKAGES = ['qemu-system-x86', 'ovmf', 'openssh-client'];

export function installedVersion(pkg: string): string | undefined {
  const result = spawnSync('dpkg-query', ['-W', '-f', '${Status}\t${Version}', pkg], { encoding: 'utf8' });
  if (result.error)
    throw new Error(
      `cannot ask dpkg-query which host packages are installed (${result.error.message}); ISOs build on Debian or Ubuntu hosts`,
    );
  const [status, version] = result.stdout.split('\t');
  return result.status === 0 && status === 'install ok installed' ? version : undefined;
}

export const missingPackages = (packages: readonly string[]): string[] => packages.filter((p) => installedVersion(p) === undefined);

/** Installs missing packages with apt-get (as root); used by `--install-deps` and the e2e setup. */
export function installPackages(packages: readonly string[], log: (line: string) => void = console.log): void {
  const missing = missingPackages(packages);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0)
    throw new Error(`missing host packages: ${missing.join(' ')}; install them with: sudo apt-get install -y ${missing.join(' ')}`);
  log(`[iso] installing host packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}

/** Fails with the exact command to run when host packages are missing. */
export function requirePackages(packages: readonly string[], flag = '--install-deps'): void {
  const missing = missingPackages(packages);
  if (missing.length > 0) {
    throw new Error(`missing host packages: ${missing.join(' ')}; run: apt-get install -y ${missing.join(' ')} (or pass ${flag})`);
  }
}
