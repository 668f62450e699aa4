import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runTsx } from '../../pipeline/run-tsx.js';

const script = (name: string): string => `build/dagger/local-engine/${name}.ts`;

let cache: string;
beforeEach(() => {
  cache = mkdtempSync(path.join(tmpdir(), 'borg-local-engine-cache-'));
});
afterEach(() => rmSync(cache, { recursive: true, force: true }));

describe('the local engine scripts', () => {
  it.each([
    ['sources', ['sources'], ['--vendor', '--jobs'], []],
    ['binaries', ['binaries'], ['--jobs'], ['--vendor']],
    ['runtime-packages', ['runtime-packages'], [], ['--vendor', '--jobs']],
    ['images', ['images'], [], ['--vendor', '--jobs', '--iso']],
    ['sdk-content', ['go-sdk-content', 'ts-sdk-content'], [], ['--vendor', '--jobs', '--iso']],
    ['build', ['sources', 'binaries', 'runtime-packages', 'images', 'go-sdk-content', 'ts-sdk-content'], ['--vendor', '--jobs'], ['--iso']],
    [
      'test-module',
      ['sources', 'images', 'ts-sdk-content', 'start-engine', 'functions', 'lint', 'test', 'image', 'build-iso'],
      ['--vendor', '--jobs', '--iso'],
      [],
    ],
  ])('%s --help names its steps and only the options they use', async (name, steps, options, absent) => {
    const { code, stdout } = await runTsx(script(name), ['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(`usage: npx tsx build/dagger/local-engine/${name}.ts [options]`);
    for (const step of steps) expect(stdout).toMatch(new RegExp(`^  ${step}\\s`, 'm'));
    for (const option of ['--cache DIR', '--force', '--verbose', '--help', ...options]) expect(stdout).toContain(option);
    for (const option of absent) expect(stdout).not.toContain(option);
  });

  it('refuses an unknown option or a bad --jobs as a usage error', async () => {
    const unknown = await runTsx(script('runtime-packages'), ['--vendor', '/tmp']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: Unknown option '--vendor'; see --help");
    const jobs = await runTsx(script('binaries'), ['--jobs', '0']);
    expect(jobs.code).toBe(2);
    expect(jobs.stderr).toContain('error: --jobs "0": expected a positive whole number; see --help');
  });

  it('names the failed step and its log, and the log says why', async () => {
    const vendor = path.join(cache, 'no-vendor');
    const { code, stdout, stderr } = await runTsx(script('build'), ['--cache', cache, '--vendor', vendor]);
    const log = path.join(cache, 'v0.21.8', 'logs', 'sources.log');
    expect(code).toBe(1);
    const reason = `vendored tarball ${path.join(vendor, 'dagger-v0.21.8-nested.tar.xz')} not found`;
    expect(stderr).toContain(`error: step sources failed after`);
    expect(stderr).toContain(reason);
    expect(stderr).toContain(`log: ${log}`);
    expect(readFileSync(log, 'utf8')).toContain(reason);
    // The first failure stops the run.
    expect(stdout).not.toContain('[binaries]');
  });

  it('refuses to build binaries before the sources are ready', async () => {
    const { code, stderr } = await runTsx(script('binaries'), ['--cache', cache]);
    expect(code).toBe(1);
    expect(stderr).toContain(`error: step binaries failed after`);
    expect(stderr).toContain(`the sources are not ready (no stamp ${path.join(cache, 'v0.21.8', 'stamps', 'sources.json')})`);
    expect(stderr).toContain(`log: ${path.join(cache, 'v0.21.8', 'logs', 'binaries.log')}`);
  });
});
