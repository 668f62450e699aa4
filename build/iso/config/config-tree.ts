import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { imagePackages } from '../../profile/image-packages.js';
import type { Profile } from '../../profile/load-profile.js';
import type { Mirrors } from '../mirror.js';
import { bootloaderFiles } from './bootloaders.js';
import { chrootHook } from './chroot-hook.js';
import { lbConfigArgs } from './lb-options.js';
import { profileEnv } from './profile-env.js';

export interface TreeFile {
  content: string;
  mode: number;
}

/** Everything live-build is given: `lb config` arguments plus the files of the config/ tree, keyed by path. */
export interface LiveBuildConfig {
  lbArgs: string[];
  files: Map<string, TreeFile>;
  inputsHash: string;
}

export interface ConfigSettings {
  mirrors: Mirrors;
  imageName: string;
  sourceDateEpoch: number;
  liveBuildVersion: string;
}

const AFTER_PACKAGES = 'config/includes.chroot_after_packages';
/** Bump when the builder changes how it drives live-build in a way the config tree does not show. */
const BUILDER_FORMAT = 1;

/**
 * Builds the live-build configuration for a profile. The inputs hash covers every file and argument
 * that shapes the image, so an unchanged hash means an unchanged image; profile.env, which records
 * the hash inside the image, is added after hashing.
 */
export function liveBuildConfig(profile: Profile, settings: ConfigSettings): LiveBuildConfig {
  const files = new Map<string, TreeFile>();
  files.set('config/package-lists/borgos.list.chroot', { content: `${imagePackages(profile).join('\n')}\n`, mode: 0o644 });
  for (const [path, content] of Object.entries(bootloaderFiles)) files.set(path, { content, mode: 0o644 });
  files.set('config/hooks/normal/9000-borgos.hook.chroot', { content: chrootHook(profile), mode: 0o755 });
  // apt's binary caches differ between a build with fresh and one with cached indices; apt regenerates them on demand.
  files.set('config/rootfs/excludes', { content: 'var/cache/apt/*.bin\n', mode: 0o644 });
  files.set(`${AFTER_PACKAGES}/usr/lib/borgos/profile.yaml`, { content: readFileSync(profile.file, 'utf8'), mode: 0o644 });
  for (const service of profile.services) {
    for (const file of service.files ?? []) {
      files.set(`${AFTER_PACKAGES}${file.path}`, { content: file.content, mode: parseInt(file.mode ?? '0644', 8) });
    }
  }
  const lbArgs = lbConfigArgs(profile, settings.mirrors, settings.imageName);

  const hash = createHash('sha256');
  const record = (part: string): void => void hash.update(`${part.length}:${part}`);
  record(`format=${BUILDER_FORMAT}`);
  record(`live-build=${settings.liveBuildVersion}`);
  record(`SOURCE_DATE_EPOCH=${settings.sourceDateEpoch}`);
  lbArgs.forEach(record);
  for (const path of [...files.keys()].sort()) {
    const file = files.get(path);
    if (file) record(`${path}\0${file.mode.toString(8)}\0${file.content}`);
  }
  const inputsHash = `sha256:${hash.digest('hex')}`;

  files.set(`${AFTER_PACKAGES}/usr/lib/borgos/profile.env`, {
    content: profileEnv(profile, inputsHash, settings.sourceDateEpoch),
    mode: 0o644,
  });
  return { lbArgs, files, inputsHash };
}
