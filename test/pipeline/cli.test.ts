import { describe, expect, it } from 'vitest';
import { parseCommand, stageNames } from '../../pipeline/cli.js';
import { runTsx, type ScriptResult } from './run-tsx.js';

/** The real entry point, as `npm run pipeline --` runs it, with `env` added to this environment. */
const pipeline = (args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ScriptResult> =>
  runTsx('pipeline/run.ts', args, { env: { ...process.env, ...env } });

describe('pipeline command line', () => {
  it('--help lists every stage and option', async () => {
    const { code, stdout } = await pipeline(['--help']);
    expect(code).toBe(0);
    for (const stage of [...stageNames, 'ci']) expect(stdout).toMatch(new RegExp(`^  ${stage}\\s`, 'm'));
    for (const option of ['--profile', '--iso-tag', '--base-image', '--image-tag', '--context-only', '--release-tag', '--repo', '--skip', '--verbose']) {
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
    expect(stderr).toBe('pipeline: invalid --profile "nope": expected one of edge-iot, server, workstation (profiles/*.yaml)\n');
    expect(stdout).toBe('');
  });

  it('blames BORG_PROFILE for a bad profile from the environment, and only where a stage uses it', async () => {
    const iso = await pipeline(['iso'], { BORG_PROFILE: 'BAD' });
    expect(iso.code).toBe(2);
    expect(iso.stderr).toBe('pipeline: invalid BORG_PROFILE "BAD": expected one of edge-iot, server, workstation (profiles/*.yaml)\n');
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
      options: { profile: 'edge-iot', isoTag: undefined, baseImage: undefined, imageTag: undefined, contextOnly: false, releaseTag: undefined, repo: undefined, skip: ['iso', 'release'], verbose: true },
    });
  });

  it('takes the profile and repository from the environment when not given', () => {
    const parsed = parseCommand(['release'], { BORG_PROFILE: 'server', GITHUB_REPOSITORY: 'borg/borgos' });
    expect(parsed.kind === 'run' && [parsed.options.profile, parsed.options.repo]).toEqual(['server', 'borg/borgos']);
  });

  it.each([
    [['iso', '--profile', 'Edge IoT'], 'invalid --profile "Edge IoT": expected one of edge-iot, server, workstation'],
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
