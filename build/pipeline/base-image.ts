import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { buildDir } from './paths.js';
import type { StageContext } from './step.js';

/** The base image local builds use; Dagger passes node:20-bookworm-slim instead. */
export const localBaseImage = 'borgos/node-base:20-bookworm';

/**
 * Makes the local base image when it is missing: no registry is reachable here, so it is
 * Debian 12 from debootstrap plus this machine's own Node 20 binary (bookworm ships 18,
 * better-sqlite3 12 needs 20). Only node goes in: the build context arrives with its
 * node_modules already installed.
 */
export async function ensureLocalBaseImage(ctx: StageContext): Promise<void> {
  const present = await ctx.run('base image present?', ['docker', 'image', 'inspect', '--format', '{{.Id}}', localBaseImage], {
    allowFailure: true,
  });
  if (present.exitCode === 0) return;
  const rootfs = path.join(buildDir, 'base-rootfs');
  await rm(rootfs, { recursive: true, force: true });
  await mkdir(buildDir, { recursive: true });
  const mirror = process.env.BORG_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
  await ctx.run('debootstrap bookworm (minbase)', [
    'debootstrap',
    '--variant=minbase',
    '--include=ca-certificates',
    'bookworm',
    rootfs,
    mirror,
  ]);
  await copyFile(process.execPath, path.join(rootfs, 'usr/local/bin/node'));
  await rm(path.join(rootfs, 'var/lib/apt/lists'), { recursive: true, force: true });
  await rm(path.join(rootfs, 'var/cache/apt'), { recursive: true, force: true });
  await ctx.run(`docker import → ${localBaseImage}`, [
    'sh',
    '-c',
    'tar -C "$1" -c . | docker import --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" - "$2"',
    'sh',
    rootfs,
    localBaseImage,
  ]);
  await rm(rootfs, { recursive: true, force: true });
}
