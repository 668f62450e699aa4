import type { Profile } from '../../profile/load-profile.js';
import type { Mirrors } from '../mirror.js';

export const DISTRIBUTION = 'bookworm';
export const ARCHITECTURE = 'amd64';

/**
 * Kernel command line of the live entry: live-config applies hostname, locale and time zone but
 * creates no default live user (user "user", password "live", passwordless sudo) — an appliance has
 * only the profile's users. The last console gets systemd's output.
 */
export function bootParameters(profile: Profile): string {
  return [
    'boot=live',
    'live-config.nocomponents=user-setup,sudo',
    `hostname=${profile.hostname}`,
    `locales=${profile.locale}`,
    `timezone=${profile.timezone}`,
    'console=tty0',
    'console=ttyS0,115200n8',
  ].join(' ');
}

/** Arguments for `lb config`: a small, unattended, hybrid BIOS+UEFI image from the given mirrors. */
export function lbConfigArgs(profile: Profile, mirrors: Mirrors, imageName: string): string[] {
  const iso9660Volume = `BorgOS ${profile.name}`.slice(0, 32);
  return [
    '--mode',
    'debian',
    '--system',
    'live',
    '--distribution',
    DISTRIBUTION,
    '--architectures',
    ARCHITECTURE,
    '--archive-areas',
    'main',
    '--parent-mirror-bootstrap',
    mirrors.debian,
    '--parent-mirror-chroot',
    mirrors.debian,
    '--parent-mirror-binary',
    mirrors.debian,
    '--parent-mirror-chroot-security',
    mirrors.security,
    '--parent-mirror-binary-security',
    mirrors.security,
    '--mirror-bootstrap',
    mirrors.debian,
    '--mirror-chroot',
    mirrors.debian,
    '--mirror-binary',
    mirrors.debian,
    '--mirror-chroot-security',
    mirrors.security,
    '--mirror-binary-security',
    mirrors.security,
    '--security',
    'true',
    '--updates',
    'true',
    '--backports',
    'false',
    '--binary-image',
    'iso-hybrid',
    '--bootloaders',
    'syslinux,grub-efi',
    '--debian-installer',
    'none',
    '--memtest',
    'none',
    '--win32-loader',
    'false',
    '--zsync',
    'false',
    '--source',
    'false',
    '--firmware-binary',
    'false',
    '--firmware-chroot',
    'false',
    '--apt-recommends',
    'false',
    '--apt-indices',
    'false',
    // No deb-src lines: the image needs no source indices, and every apt update would fetch them.
    '--apt-source-archives',
    'false',
    '--cache',
    'true',
    '--cache-packages',
    'true',
    '--cache-stages',
    'bootstrap',
    '--linux-flavours',
    ARCHITECTURE,
    // zstd: a little larger than xz but several times faster to build and to read in an emulated guest.
    '--chroot-squashfs-compression-type',
    'zstd',
    '--checksums',
    'sha256',
    '--bootappend-live',
    bootParameters(profile),
    '--iso-application',
    'BorgOS',
    '--iso-publisher',
    'BorgOS',
    '--iso-volume',
    iso9660Volume,
    '--image-name',
    imageName,
  ];
}
