import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadProfile, PROFILES_DIR, profilePath } from '../profile/load-profile.js';
import { ProfileError } from '../profile/profile-error.js';
import { readProblem } from '../profile/read-problem.js';

/** A command line that cannot be carried out as given: run.ts prints it in one line and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Stage names accepted on the command line, in matrix order. */
export const stageNames = ['lint', 'test', 'iso', 'image', 'release'] as const;
export type StageName = (typeof stageNames)[number];
export type Command = StageName | 'ci';

/** Everything a stage may read from the command line. */
export interface PipelineOptions {
  readonly profile: string;
  readonly isoTag: string | undefined;
  readonly baseImage: string | undefined;
  readonly imageTag: string | undefined;
  readonly contextOnly: boolean;
  readonly releaseTag: string | undefined;
  readonly repo: string | undefined;
  readonly skip: readonly StageName[];
  readonly verbose: boolean;
}

export type ParsedCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'run'; readonly command: Command; readonly plan: readonly StageName[]; readonly options: PipelineOptions };

const defaultProfile = 'edge-iot';
const tagPattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const repoPattern = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

export const helpText = `Usage: npm run pipeline -- <stage> [options]

Stages (DESIGN.md build matrix; the Dagger module runs the same scripts):
  lint       S0  ESLint, Prettier, tsc (root and dagger/), shellcheck  → artifacts/lint/
  test       S1  vitest with coverage, fails under 90% lines           → artifacts/test/, artifacts/coverage/
  iso        S2  hybrid ISO from a profile (npm run iso)               → out/ISO/
  image      S3  OCI image of the control plane, smoke-tested /health  → out/image/
  release    S4  SHA256SUMS, release notes, draft GitHub release       → out/release/
  ci         all of the above in order, stopping at the first failure

Options:
  --profile <profile>  profile for iso/ci: a name in profiles/ or a .yaml path (default: $BORG_PROFILE or ${defaultProfile})
  --iso-tag <tag>      ISO file name without .iso, passed to the ISO build as ISO_TAG
  --base-image <ref>   image base (default: borgos/node-base:20-bookworm, made locally with debootstrap if missing)
  --image-tag <ref>    image name (default: borgos:<package version>)
  --context-only       image: only assemble the build context in .build/image (Dagger builds it)
  --release-tag <tag>  release tag (default: v<package version>)
  --repo <owner/name>  GitHub repository for release/ci (default: $GITHUB_REPOSITORY)
  --skip <stage>       ci: leave a stage out (repeatable)
  -v, --verbose        echo every command's output, not only to the stage log
  -h, --help           show this help

Environment:
  GITHUB_TOKEN         when set, release creates a draft release through the REST API
  GITHUB_API_URL       REST API base (default: https://api.github.com)
  BORG_DEBIAN_MIRROR   mirror debootstrap uses for the local base image (default: http://deb.debian.org/debian)
Each stage logs to artifacts/logs/<stage>.log.`;

const isStageName = (value: string): value is StageName => (stageNames as readonly string[]).includes(value);

function checked(value: string | undefined, pattern: RegExp, option: string, expected: string): string | undefined {
  if (value !== undefined && !pattern.test(value)) {
    throw new UsageError(`invalid ${option} "${value}": expected ${expected}`);
  }
  return value;
}

/** An option's value and where it came from, so an error blames the flag or variable the user actually set. */
interface Sourced {
  readonly value: string | undefined;
  readonly source: string;
  readonly explicit: boolean;
}

const flagOrEnv = (flag: string, given: string | undefined, variable: string, env: NodeJS.ProcessEnv): Sourced =>
  given !== undefined ? { value: given, source: flag, explicit: true } : { value: env[variable], source: variable, explicit: false };

/**
 * The profile is resolved and loaded exactly as the ISO build will (profilePath, loadProfile), so a
 * missing or broken one stops the run before `ci` lints and tests for minutes. A file is handed on
 * by its absolute path: the ISO build runs from the repository root, not from where we were started.
 */
function checkedProfile({ value = defaultProfile, source }: Sourced): string {
  const invalid = (why: string): UsageError => new UsageError(`invalid ${source} "${value}": ${why}`);
  let file: string;
  try {
    file = profilePath(value);
  } catch (err) {
    throw invalid((err as Error).message);
  }
  try {
    loadProfile(file);
  } catch (err) {
    // Every issue, one file:line:col line each as build/profile/check.ts prints them, so one run shows all there is to fix.
    if (err instanceof ProfileError) throw invalid(`${err.issues.length} problem${err.issues.length === 1 ? '' : 's'}\n${err.message}`);
    // A path that cannot be read (a directory, no permission) is the argument's fault too.
    const problem = readProblem(err);
    if (problem !== undefined) throw invalid(problem);
    throw err;
  }
  return file === join(PROFILES_DIR, `${value}.yaml`) ? value : file;
}

/** The stages a command runs; an empty plan is a mistake, not a pass. */
function planOf(command: Command, skip: readonly StageName[]): StageName[] {
  if (command !== 'ci') return [command];
  const plan = stageNames.filter((name) => !skip.includes(name));
  if (plan.length === 0) throw new UsageError(`nothing to run: --skip leaves out every stage of ci (${stageNames.join(', ')})`);
  return plan;
}

/** Parses argv (without node and script) into a command, or throws UsageError. */
export function parseCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ParsedCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        profile: { type: 'string' },
        'iso-tag': { type: 'string' },
        'base-image': { type: 'string' },
        'image-tag': { type: 'string' },
        'context-only': { type: 'boolean', default: false },
        'release-tag': { type: 'string' },
        repo: { type: 'string' },
        skip: { type: 'string', multiple: true, default: [] },
        verbose: { type: 'boolean', short: 'v', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)} (see --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (positionals.length === 0) throw new UsageError(`no stage given: expected one of ${[...stageNames, 'ci'].join(', ')} (see --help)`);
  if (positionals.length > 1) throw new UsageError(`expected one stage, got ${positionals.length}: ${positionals.join(' ')}`);
  const command = positionals[0] ?? '';
  if (command !== 'ci' && !isStageName(command)) {
    throw new UsageError(`unknown stage "${command}": expected one of ${[...stageNames, 'ci'].join(', ')}`);
  }
  const skip = values.skip.map((name) => {
    if (!isStageName(name)) throw new UsageError(`invalid --skip "${name}": expected one of ${stageNames.join(', ')}`);
    return name;
  });
  if (skip.length > 0 && command !== 'ci') throw new UsageError('--skip only applies to ci');
  const plan = planOf(command, skip);
  // A value from the environment is checked only where a stage uses it; one typed on the command line always.
  const profile = flagOrEnv('--profile', values.profile, 'BORG_PROFILE', env);
  const repo = flagOrEnv('--repo', values.repo, 'GITHUB_REPOSITORY', env);
  return {
    kind: 'run',
    command,
    plan,
    options: {
      profile: profile.explicit || plan.includes('iso') ? checkedProfile(profile) : (profile.value ?? defaultProfile),
      isoTag: checked(values['iso-tag'], tagPattern, '--iso-tag', 'letters, digits, ".", "_" and "-"'),
      baseImage: values['base-image'],
      imageTag: values['image-tag'],
      contextOnly: values['context-only'],
      releaseTag: checked(values['release-tag'], tagPattern, '--release-tag', 'letters, digits, ".", "_" and "-"'),
      repo: repo.explicit || plan.includes('release') ? checked(repo.value, repoPattern, repo.source, 'owner/name') : repo.value,
      skip,
      verbose: values.verbose,
    },
  };
}
