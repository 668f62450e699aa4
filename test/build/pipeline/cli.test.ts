import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCommand, stageNames } from '../../../build/pipeline/cli.js';
import { runTsx, type ScriptResult } from './run-tsx.js';

/** The real entry point, as `npm run pipeline --` runs it, with `env` added to this environment. */
const pipeline = (args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ScriptResult> =>
  runTsx('build/pipeline/run.ts', args, { env: { ...process.env, ...env } });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'borg-pipeline-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes profile `name`.yaml (the loader wants the file named after the profile) into the temp dir. */
function writeProfile(name: string, lines: readonly string[]): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('pipeline command line', () => {
  it('--help lists every stage and option', async () => {
    const { code, stdout } = await pipeline(['--help']);
    expect(code).toBe(0);
    for (const stage of [...stageNames, 'ci']) expect(stdout).toMatch(new RegExp(`^  ${stage}\\s`, 'm'));
    for (const option of [
      '--profile',
      '--iso-tag',
      '--base-image',
      '--image-tag',
      '--context-only',
      '--release-tag',
      '--repo',
      '--skip',
      '--verbose',
    ]) {
      expect(stdout).toContain(option);
    }
  });

  it('names an unknown stage and the stages it knows, exiting 2', async () => {
    const { code, stderr } = await pipeline(['deploy']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown stage "deploy": expected one of lint, test, iso, image, release, ci');
  });

  it('names an unknown option', async () => {
    const { code, stderr } = await pipeline(['lint', '--fast']);
    expect(code).toBe(2);
    expect(stderr).toContain("Unknown option '--fast'");
  });

  it.each([['iso'], ['ci']])('refuses an unknown profile for %s as a usage error before any stage runs', async (stage) => {
    const { code, stdout, stderr } = await pipeline([stage, '--profile', 'nope']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'pipeline: invalid --profile "nope": unknown profile "nope"; expected one of: edge-iot, server, workstation (or a path to a .yaml file)\n',
    );
    expect(stdout).toBe('');
  });

  it('refuses a broken profile file at parse time, printing every issue the loader reports, and runs no stage', async () => {
    const file = writeProfile('box', ['profile: box', 'description: a box', 'services: [ssh, postgres]', 'colour: blue']);
    const { code, stdout, stderr } = await pipeline(['ci', '--profile', file]);
    expect(code).toBe(2);
    const [first, ...issues] = stderr.trimEnd().split('\n');
    expect(first).toBe(`pipeline: invalid --profile "${file}": 2 problems`);
    expect(issues).toEqual([
      expect.stringMatching(/:3:17: services\[1\]: unknown service "postgres"/),
      expect.stringMatching(/:4:1: colour: unknown key "colour"/),
    ]);
    // Word for word what `npx tsx build/profile/check.ts <file>` prints.
    const check = await runTsx('build/profile/check.ts', [file]);
    expect(check.code).toBe(1);
    expect(issues.map((line) => `${line}\n`).join('')).toBe(check.stderr);
    // The runner prints every stage it starts on stdout; artifacts/ is no witness, since the pipeline's own test stage writes there meanwhile.
    expect(stdout).toBe('');
  });

  it('refuses a broken profile named by BORG_PROFILE for a stage that builds it', async () => {
    const file = writeProfile('box', ['profile: other', 'description: a box', 'services: [ssh]']);
    const { code, stdout, stderr } = await pipeline(['iso'], { BORG_PROFILE: file });
    expect(code).toBe(2);
    expect(stderr).toMatch(new RegExp(`^pipeline: invalid BORG_PROFILE "${file}": 1 problem\n${file}:1:10: profile: got "other"`));
    expect(stdout).toBe('');
  });

  it('accepts a path to a valid profile, absolute or relative, and hands the ISO build its absolute path (a shipped name stays a name)', () => {
    const file = writeProfile('box', ['profile: box', 'description: a box', 'services: [ssh, nginx]']);
    for (const given of [file, path.relative(process.cwd(), file)]) {
      const parsed = parseCommand(['iso', '--profile', given], {});
      expect(parsed.kind === 'run' && parsed.options.profile).toBe(file);
    }
    const shipped = parseCommand(['iso', '--profile', 'server'], {});
    expect(shipped.kind === 'run' && shipped.options.profile).toBe('server');
  });

  it('blames BORG_PROFILE for a bad profile from the environment, and only where a stage uses it', async () => {
    const iso = await pipeline(['iso'], { BORG_PROFILE: 'BAD' });
    expect(iso.code).toBe(2);
    expect(iso.stderr).toBe(`pipeline: invalid BORG_PROFILE "BAD": profile file not found: ${path.resolve('BAD')}\n`);
    expect(() => parseCommand(['lint'], { BORG_PROFILE: 'BAD' })).not.toThrow();
  });

  it('blames GITHUB_REPOSITORY for a bad repository from the environment, and only where a stage uses it', async () => {
    const release = await pipeline(['release'], { GITHUB_REPOSITORY: 'bad' });
    expect(release.code).toBe(2);
    expect(release.stderr).toBe('pipeline: invalid GITHUB_REPOSITORY "bad": expected owner/name\n');
    expect(() => parseCommand(['lint'], { GITHUB_REPOSITORY: 'bad' })).not.toThrow();
  });

  it('refuses a ci that skips every stage', async () => {
    const { code, stdout, stderr } = await pipeline(['ci', ...['lint', 'test', 'iso', 'image', 'release'].flatMap((s) => ['--skip', s])]);
    expect(code).toBe(2);
    expect(stderr).toBe('pipeline: nothing to run: --skip leaves out every stage of ci (lint, test, iso, image, release)\n');
    expect(stdout).toBe('');
  });

  it('parses options with their defaults', () => {
    const parsed = parseCommand(['ci', '--skip', 'iso', '--skip', 'release', '-v'], {});
    expect(parsed).toEqual({
      kind: 'run',
      command: 'ci',
      plan: ['lint', 'test', 'image'],
      options: {
        profile: 'edge-iot',
        isoTag: undefined,
        baseImage: undefined,
        imageTag: undefined,
        contextOnly: false,
        releaseTag: undefined,
        repo: undefined,
        skip: ['iso', 'release'],
        verbose: true,
      },
    });
  });

  it('takes the profile and repository from the environment when not given', () => {
    const parsed = parseCommand(['release'], { BORG_PROFILE: 'server', GITHUB_REPOSITORY: 'borg/borgos' });
    expect(parsed.kind === 'run' && [parsed.options.profile, parsed.options.repo]).toEqual(['server', 'borg/borgos']);
  });

  it.each([
    [['iso', '--profile', 'Edge IoT'], `invalid --profile "Edge IoT": profile file not found: ${path.resolve('Edge IoT')}`],
    [['iso', '--profile', 'build/profiles'], 'invalid --profile "build/profiles": is a directory; expected a profile .yaml file'],
    [['lint', '--profile', 'nope'], 'invalid --profile "nope"'],
    [['iso', '--iso-tag', '../x'], 'invalid --iso-tag "../x"'],
    [['release', '--repo', 'borgos'], 'invalid --repo "borgos": expected owner/name'],
    [['ci', '--skip', 'deploy'], 'invalid --skip "deploy": expected one of lint, test, iso, image, release'],
    [['lint', '--skip', 'test'], '--skip only applies to ci'],
    [['lint', 'test'], 'expected one stage, got 2: lint test'],
    [[], 'no stage given'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCommand(argv, {})).toThrow(message);
  });
});
