import { createHash } from 'node:crypto';
import { chmodSync, createWriteStream, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { loadProfile, PROFILES_DIR, profilePath, type Profile } from '../profile/load-profile.js';
import { ProfileError } from '../profile/profile-error.js';
import { artifactPaths, completedBuild, moveInto, sha256File, writeAtomically, writeChecksums, type InputsRecord } from './artifacts.js';
import { liveBuildConfig } from './config/config-tree.js';
import { ARCHITECTURE, DISTRIBUTION } from './config/lb-options.js';
import { BUILD_PACKAGES, installedVersion, installPackages, requirePackages } from './host-tools.js';
import { chooseMirrors, type Mirrors } from './mirror.js';
import { packageIssues } from './package-check.js';
import { loadPackageIndex } from './package-index.js';
import { installedPackages, spdxDocument } from './sbom.js';
import { sourceDateEpoch } from './source-date.js';
import { formatSeconds, runStage, type StageContext } from './stage-progress.js';
import { lockCache, resetWorkDir } from './work-dir.js';

export const REPO_ROOT = dirname(dirname(PROFILES_DIR));
/** Paths whose last commit dates the build (SOURCE_DATE_EPOCH default). */
const INPUT_PATHS = ['build/profiles', 'build/iso/config'];
/** live-build's name for the image inside the work directory; the published name is the tag. */
const IMAGE_NAME = 'borgos';

export interface BuildIsoOptions {
  /** Shipped profile name or path to a profile YAML file. */
  profile: string;
  outDir?: string;
  /** Package cache and work directories; kept between builds (BORG_ISO_CACHE, default ~/.cache/borgos/iso). */
  cacheDir?: string;
  /** Published file name without .iso (ISO_TAG, default borgos-PROFILE-VERSION). */
  tag?: string;
  mirrors?: Partial<Mirrors>;
  /** Rebuild even when the inputs hash matches the published ISO. */
  force?: boolean;
  installDeps?: boolean;
  env?: NodeJS.ProcessEnv;
  progress?: NodeJS.WriteStream;
}

export interface BuildIsoResult {
  rebuilt: boolean;
  iso: string;
  record: InputsRecord;
  seconds: number;
}

const defaultCacheDir = (env: NodeJS.ProcessEnv): string => resolve(env.BORG_ISO_CACHE || join(homedir(), '.cache', 'borgos', 'iso'));

function defaultTag(profile: string): string {
  const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  return `borgos-${profile}-${version}`;
}

/** Refuses a profile naming packages the mirrors lack; without the mirrors' indices it says so and lets live-build decide. */
async function checkPackageNames(profile: Profile, mirrors: Mirrors, indexCache: string, say: (line: string) => void): Promise<void> {
  const started = Date.now();
  const index = await loadPackageIndex(mirrors, indexCache, say);
  if ('unavailable' in index) {
    say(`[iso] package names not checked: ${index.unavailable}`);
    return;
  }
  const issues = packageIssues(profile, index);
  if (issues.length > 0) throw new ProfileError(issues);
  say(`[iso] package names checked against ${index.describe} in ${formatSeconds(Date.now() - started)}`);
}

/** Turns a profile into a published hybrid ISO with manifest, SBOM and checksums; a no-op when nothing changed. */
export async function buildIso(options: BuildIsoOptions): Promise<BuildIsoResult> {
  const started = Date.now();
  const env = options.env ?? process.env;
  const say = (line: string): void => void (options.progress ?? process.stderr).write(`${line}\n`);
  // What the user asked for first: its mistakes are worth hearing about before whether this host can build at all.
  const profile = loadProfile(profilePath(options.profile));
  const tag = options.tag ?? (env.ISO_TAG || defaultTag(profile.name));
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(tag))
    throw new Error(`ISO tag: got ${JSON.stringify(tag)}; expected letters, digits, dots, dashes and underscores`);
  if (options.installDeps) installPackages(BUILD_PACKAGES, say);
  else requirePackages(BUILD_PACKAGES);
  const outDir = resolve(options.outDir ?? join(REPO_ROOT, 'out', 'ISO'));
  const cacheDir = options.cacheDir ? resolve(options.cacheDir) : defaultCacheDir(env);
  const mirrors = chooseMirrors(options.mirrors ?? {}, env);
  const epoch = sourceDateEpoch(REPO_ROOT, INPUT_PATHS, env, say);
  const liveBuildVersion = installedVersion('live-build') ?? 'unknown';
  const config = liveBuildConfig(profile, { mirrors, imageName: IMAGE_NAME, sourceDateEpoch: epoch, liveBuildVersion });
  const paths = artifactPaths(outDir, tag);

  const previous = completedBuild(outDir, tag);
  if (!options.force && previous?.inputsHash === config.inputsHash) {
    say(`[iso] ${tag} is up to date (inputs ${config.inputsHash}); nothing to do. Use --force to rebuild.`);
    return { rebuilt: false, iso: paths.iso, record: previous, seconds: (Date.now() - started) / 1000 };
  }
  const mirrorKey = createHash('sha256')
    .update(`${mirrors.debian} ${mirrors.security} ${DISTRIBUTION} ${ARCHITECTURE}`)
    .digest('hex')
    .slice(0, 12);
  // Before root is needed, so a profile's author hears about a misspelt package without building as root.
  await checkPackageNames(profile, mirrors, join(cacheDir, 'package-indices', mirrorKey), say);
  if (process.getuid?.() !== 0) throw new Error('building an ISO runs live-build, which needs root; run as root (for example with sudo)');

  const workDir = join(cacheDir, 'work', profile.name);
  const lbCache = join(cacheDir, 'lb-cache', mirrorKey);
  const unlock = await lockCache(lbCache, say);
  try {
    resetWorkDir(workDir, lbCache);
    mkdirSync(outDir, { recursive: true });
    const log = createWriteStream(paths.log);
    say(`[iso] building ${tag} from ${profile.file}`);
    say(`[iso] inputs ${config.inputsHash}, SOURCE_DATE_EPOCH=${epoch}, mirror ${mirrors.debian}`);
    say(`[iso] work dir ${workDir}, log ${paths.log}`);
    const ctx: StageContext = {
      cwd: workDir,
      env: { ...env, SOURCE_DATE_EPOCH: String(epoch), LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' },
      log,
      logFile: paths.log,
      buildStart: started,
      ...(options.progress ? { progress: options.progress } : {}),
    };
    try {
      await runStage('config', 'lb', ['config', ...config.lbArgs], ctx);
      for (const [path, file] of config.files) {
        const target = resolve(workDir, path);
        // The catalog's schema refuses `..` in a file's path; this is the last line before root writes on the host.
        if (!target.startsWith(`${workDir}${sep}`))
          throw new Error(`config file ${path} would be written outside the work directory ${workDir}`);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, file.content);
        chmodSync(target, file.mode);
        utimesSync(target, epoch, epoch);
      }
      for (const stage of ['bootstrap', 'chroot', 'binary']) await runStage(stage, 'lb', [stage], ctx);

      const builtIso = join(workDir, `${IMAGE_NAME}-${ARCHITECTURE}.hybrid.iso`);
      const manifest = readFileSync(join(workDir, `${IMAGE_NAME}-${ARCHITECTURE}.packages`), 'utf8');
      const names = new Set(
        manifest
          .split('\n')
          .map((line) => line.split(/\s+/)[0] ?? '')
          .filter(Boolean),
      );
      const packages = installedPackages(join(workDir, 'chroot', 'var', 'lib', 'dpkg'), names);
      const isoSha256 = await sha256File(builtIso);
      const isoBytes = statSync(builtIso).size;
      // The old record goes first: a failure after the new ISO is in place must not leave it described as the old build.
      rmSync(paths.inputs, { force: true });
      moveInto(builtIso, paths.iso);
      // The chroot and binary trees are large and rebuilt from the cache next time.
      await runStage('clean', 'lb', ['clean', '--chroot', '--binary'], ctx);
      writeAtomically(paths.packages, manifest);
      const sbom = spdxDocument(
        { name: tag, fileName: `${tag}.iso`, sha256: isoSha256, inputsHash: config.inputsHash, createdEpoch: epoch },
        packages,
      );
      writeAtomically(paths.sbom, `${JSON.stringify(sbom, null, 2)}\n`);
      await writeChecksums(outDir);
      const seconds = (Date.now() - started) / 1000;
      const record: InputsRecord = {
        tag,
        profile: profile.name,
        inputsHash: config.inputsHash,
        sourceDateEpoch: epoch,
        mirrors,
        liveBuildVersion,
        isoBytes,
        isoSha256,
        buildSeconds: Math.round(seconds),
        builtAt: new Date().toISOString(),
      };
      writeAtomically(paths.inputs, `${JSON.stringify(record, null, 2)}\n`);
      say(
        `[iso] ✓ ${paths.iso} (${(isoBytes / 1e6).toFixed(0)} MB, ${packages.length} packages) in ${formatSeconds(Date.now() - started)}`,
      );
      return { rebuilt: true, iso: paths.iso, record, seconds };
    } finally {
      await new Promise((done) => log.end(done));
    }
  } finally {
    unlock();
  }
}
