import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { release, type ReleaseInput } from '../../../build/pipeline/release.js';
import { FakeGithub } from './fake-github.js';

const repo = 'borg/borgos';
const token = 'ghp_test_token';
let dir: string;
let github: FakeGithub;
let apiUrl: string;
let said: string[];

const git = (...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
    cwd: path.join(dir, 'checkout'),
    encoding: 'utf8',
    env: { ...process.env, GIT_COMMITTER_DATE: commitDate },
  }).trim();
let commitDate = '';

/** sha256sum's answer for a file: an implementation independent of the stage's. */
const sha256sum = (file: string): string => execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0] ?? '';

function input(overrides: Partial<ReleaseInput> = {}): ReleaseInput {
  return {
    isoDir: path.join(dir, 'out/ISO'),
    imageDir: path.join(dir, 'out/image'),
    releaseDir: path.join(dir, 'out/release'),
    gitDir: path.join(dir, 'checkout'),
    tag: 'v0.2.0',
    repo,
    github: { apiUrl, token },
    say: (line) => said.push(line),
    ...overrides,
  };
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'borg-release-'));
  said = [];
  for (const sub of ['out/ISO', 'out/image', 'checkout']) mkdirSync(path.join(dir, sub), { recursive: true });
  writeFileSync(path.join(dir, 'out/ISO/borgos-edge-iot.iso'), randomBytes(3 * 2 ** 20));
  writeFileSync(path.join(dir, 'out/ISO/borgos-edge-iot.packages'), 'curl 7.88\n');
  writeFileSync(path.join(dir, 'out/ISO/SHA256SUMS'), 'superseded by the release SHA256SUMS\n');
  writeFileSync(path.join(dir, 'out/ISO/borgos-edge-iot.build.log'), 'lb build output\n');
  writeFileSync(path.join(dir, 'out/image/borgos-0.2.0.tar'), randomBytes(2 ** 20));
  git('init', '-q', '-b', 'main');
  for (const [day, message, tag] of [
    [1, 'initial import', 'v0.1.0'],
    [2, 'add enrollment', undefined],
    [3, 'fix token refresh', 'v0.2.0'],
  ] as const) {
    // Distinct commit dates: the changelog orders tags by them.
    commitDate = `2026-01-0${day}T12:00:00Z`;
    writeFileSync(path.join(dir, 'checkout', 'log.txt'), `${message}\n`, { flag: 'a' });
    git('add', 'log.txt');
    git('commit', '-q', '-m', message);
    if (tag) git('tag', tag);
  }
  github = new FakeGithub(repo, token);
  apiUrl = await github.start();
});

afterEach(async () => {
  await github.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('release (S4)', () => {
  it('creates a draft release with notes since the previous tag and uploads every asset intact', async () => {
    const result = await release(input());
    expect(github.releases).toHaveLength(1);
    const draft = github.releases[0];
    expect(draft).toMatchObject({ tag_name: 'v0.2.0', name: 'BorgOS v0.2.0', draft: true, target_commitish: git('rev-parse', 'HEAD') });
    expect(draft?.body).toContain('Changes since v0.1.0');
    expect(draft?.body).toMatch(/- [0-9a-f]{7,} fix token refresh/);
    expect(draft?.body).toContain('add enrollment');
    expect(draft?.body).not.toContain('initial import');

    const local = [
      'out/ISO/borgos-edge-iot.iso',
      'out/ISO/borgos-edge-iot.packages',
      'out/image/borgos-0.2.0.tar',
      'out/release/SHA256SUMS',
    ];
    expect(draft?.assets.map((a) => a.name)).toEqual(local.map((f) => path.basename(f)));
    for (const [i, file] of local.entries()) {
      expect(draft?.assets[i]).toMatchObject({ sha256: sha256sum(path.join(dir, file)), contentType: 'application/octet-stream' });
    }
    expect(result.uploaded).toHaveLength(4);
    expect(result.htmlUrl).toContain(`/${repo}/releases/`);
  });

  it('writes a SHA256SUMS that sha256sum --check accepts, leaving out the sums file and log of the ISO build', async () => {
    await release(input({ github: undefined }));
    const sums = readFileSync(path.join(dir, 'out/release/SHA256SUMS'), 'utf8');
    expect(
      sums
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('  ')[1]),
    ).toEqual(['borgos-edge-iot.iso', 'borgos-edge-iot.packages', 'borgos-0.2.0.tar']);
    const okLines = (sub: string): number =>
      execFileSync('sha256sum', ['--check', '--ignore-missing', path.join(dir, 'out/release/SHA256SUMS')], {
        cwd: path.join(dir, sub),
        encoding: 'utf8',
      })
        .split('\n')
        .filter((line) => line.endsWith(': OK')).length;
    expect(okLines('out/ISO')).toBe(2);
    expect(okLines('out/image')).toBe(1);
    const notes = readFileSync(path.join(dir, 'out/release/RELEASE_NOTES.md'), 'utf8');
    expect(notes).toContain(sums.trimEnd());
  });

  it('without a token publishes nothing and says what it would have published', async () => {
    const result = await release(input({ github: undefined }));
    expect(github.releases).toHaveLength(0);
    expect(result.uploaded).toEqual([]);
    const message = said.find((l) => l.includes('nothing was published')) ?? '';
    expect(message).toContain(`draft release v0.2.0 on ${repo}`);
    for (const name of ['borgos-edge-iot.iso', 'borgos-0.2.0.tar', 'SHA256SUMS']) expect(message).toContain(name);
  });

  it('refuses to create a second release for the same tag', async () => {
    await release(input());
    await expect(release(input())).rejects.toThrow(`${repo} already has a draft release for v0.2.0`);
    expect(github.releases).toHaveLength(1);
  });

  it('reports a rejected token with GitHub status and message', async () => {
    await expect(release(input({ github: { apiUrl, token: 'wrong' } }))).rejects.toThrow(/answered 401: Bad credentials/);
  });

  it('needs a repository when a token is given', async () => {
    await expect(release(input({ repo: undefined }))).rejects.toThrow(/no repository: pass --repo/);
  });

  it('says there is nothing to release when no ISO and no image tarball exist', async () => {
    rmSync(path.join(dir, 'out'), { recursive: true });
    await expect(release(input())).rejects.toThrow(/nothing to release/);
  });

  it('lists every commit when there is no earlier tag', async () => {
    git('tag', '-d', 'v0.1.0');
    await release(input({ github: undefined }));
    const notes = readFileSync(path.join(dir, 'out/release/RELEASE_NOTES.md'), 'utf8');
    expect(notes).toContain('Changes since the first commit');
    expect(notes).toContain('initial import');
  });
});
