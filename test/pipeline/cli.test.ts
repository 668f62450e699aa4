import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseCommand, stageNames } from '../../pipeline/cli.js';

const root = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** The real entry point, as `npm run pipeline --` runs it. */
async function pipeline(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(path.join(root, 'node_modules/.bin/tsx'), ['pipeline/run.ts', ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('pipeline command line', () => {
  it('--help lists every stage and option', async () => {
    const { code, stdout } = await pipeline('--help');
    expect(code).toBe(0);
    for (const stage of [...stageNames, 'ci']) expect(stdout).toMatch(new RegExp(`^  ${stage}\\s`, 'm'));
    for (const option of ['--profile', '--iso-tag', '--base-image', '--image-tag', '--context-only', '--release-tag', '--repo', '--skip', '--verbose']) {
      expect(stdout).toContain(option);
    }
  });

  it('names an unknown stage and the stages it knows, exiting 2', async () => {
    const { code, stderr } = await pipeline('deploy');
    expect(code).toBe(2);
    expect(stderr).toContain('unknown stage "deploy": expected one of lint, test, iso, image, release, ci');
  });

  it('names an unknown option', async () => {
    const { code, stderr } = await pipeline('lint', '--fast');
    expect(code).toBe(2);
    expect(stderr).toContain("Unknown option '--fast'");
  });

  it('fails a stage with an unknown profile before building, naming the profiles that exist', async () => {
    const { code, stdout } = await pipeline('iso', '--profile', 'no-such-profile');
    expect(code).toBe(1);
    expect(stdout).toMatch(/S2 iso FAILED after [\d.]+s: unknown profile "no-such-profile": profiles\/ has \S/);
    expect(stdout).toContain('log: artifacts/logs/iso.log');
  });

  it('parses options with their defaults', () => {
    const parsed = parseCommand(['ci', '--skip', 'iso', '--skip', 'release', '-v'], {});
    expect(parsed).toEqual({
      kind: 'run',
      command: 'ci',
      options: { profile: 'edge-iot', isoTag: undefined, baseImage: undefined, imageTag: undefined, contextOnly: false, releaseTag: undefined, repo: undefined, skip: ['iso', 'release'], verbose: true },
    });
  });

  it('takes the profile and repository from the environment when not given', () => {
    const parsed = parseCommand(['release'], { BORG_PROFILE: 'server', GITHUB_REPOSITORY: 'borg/borgos' });
    expect(parsed.kind === 'run' && [parsed.options.profile, parsed.options.repo]).toEqual(['server', 'borg/borgos']);
  });

  it.each([
    [['iso', '--profile', 'Edge IoT'], 'invalid --profile "Edge IoT": expected lowercase letters, digits and dashes'],
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
