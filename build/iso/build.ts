/** `npm run iso -- --profile NAME`: stage S2, a profile to a bootable hybrid ISO in out/ISO. */
import { parseArgs } from 'node:util';
import { listProfiles } from '../profile/load-profile.js';
import { ProfileError } from '../profile/profile-error.js';
import { buildIso } from './build-iso.js';
import { BUILD_PACKAGES } from './host-tools.js';
import { StepError } from '../steps/run-step.js';

const usage = `usage: npm run iso -- --profile NAME|FILE [options]

Builds a hybrid BIOS+UEFI live ISO from a BorgOS profile with live-build (needs root).
Writes out/ISO/TAG.iso, TAG.packages, TAG.spdx.json, TAG.inputs.json, TAG.build.log
and SHA256SUMS. Does nothing when the inputs hash matches the published ISO. Checks the
profile's package names against the mirrors' package indices first (no root needed).

options:
  --profile NAME|FILE       profile to build: ${listProfiles().join(', ')}, or a .yaml path
  --out DIR                 output directory (default out/ISO)
  --tag TAG                 published name (env ISO_TAG; default borgos-PROFILE-VERSION)
  --cache DIR               package cache and work dirs (env BORG_ISO_CACHE; default ~/.cache/borgos/iso)
  --mirror URL              Debian mirror, e.g. a snapshot (env BORG_ISO_MIRROR; default: host's debian.sources)
  --security-mirror URL     Debian security mirror (env BORG_ISO_SECURITY_MIRROR)
  --force                   rebuild even if nothing changed
  --install-deps            apt-get install missing host packages (${BUILD_PACKAGES.join(', ')})
  -h, --help                show this help

environment: SOURCE_DATE_EPOCH (default: time of the last commit touching the profiles, the catalog,
             the schemas or build/iso/config/)`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      profile: { type: 'string' },
      out: { type: 'string' },
      tag: { type: 'string' },
      cache: { type: 'string' },
      mirror: { type: 'string' },
      'security-mirror': { type: 'string' },
      force: { type: 'boolean', default: false },
      'install-deps': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.profile) {
    console.error(`error: --profile is required\n\n${usage}`);
    return 2;
  }
  await buildIso({
    profile: values.profile,
    force: values.force,
    installDeps: values['install-deps'],
    ...(values.out ? { outDir: values.out } : {}),
    ...(values.tag !== undefined ? { tag: values.tag } : {}),
    ...(values.cache ? { cacheDir: values.cache } : {}),
    mirrors: {
      ...(values.mirror ? { debian: values.mirror } : {}),
      ...(values['security-mirror'] ? { security: values['security-mirror'] } : {}),
    },
  });
  return 0;
}

const isUsageError = (error: unknown): error is TypeError =>
  error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS');

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    if (error instanceof ProfileError) console.error(`error: invalid profile\n${error.message}`);
    else if (error instanceof StepError) console.error(`error: ${error.message}`);
    else if (isUsageError(error)) console.error(`error: ${error.message}; see --help`);
    else console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = isUsageError(error) ? 2 : 1;
  },
);
