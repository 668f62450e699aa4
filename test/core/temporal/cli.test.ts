import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ensureTemporalCli,
  findTemporalCli,
  installTemporalCli,
  TEMPORAL_CLI_MODULE,
  TemporalCliError,
} from '../../../src/core/temporal/cli.js';
import { tempDir } from '../../support/stack.js';

const goPath = spawnSync('go', ['env', 'GOPATH'], { encoding: 'utf8' });
const goInstalledTemporal = goPath.status === 0 && existsSync(join(goPath.stdout.trim(), 'bin', 'temporal'));

function script(file: string, body: string, mode = 0o755): string {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, mode);
  return file;
}

const fakeTemporal = (dir: string, mode = 0o755): string => script(join(dir, 'temporal'), 'echo "temporal version 1.5.1"', mode);

/**
 * A fake `go` in its own dir: `go env GOBIN GOPATH` reports the given dirs, `go install` runs `install`
 * (shell), and every call is appended to `calls`.
 */
function fakeGo(dir: string, opts: { gobin: string; gopath: string; install: string }): { calls: string } {
  const calls = join(dir, 'calls');
  script(
    join(dir, 'go'),
    [
      `echo "$*" >> '${calls}'`,
      'case "$1" in',
      `  env) echo '${opts.gobin}'; echo '${opts.gopath}' ;;`,
      `  install) ${opts.install} ;;`,
      '  *) exit 2 ;;',
      'esac',
    ].join('\n'),
  );
  return { calls };
}

/** `go` and the home dir are looked up through the process environment; each test sets its own. */
let saved: { PATH?: string; HOME?: string };
beforeEach(() => {
  saved = { PATH: process.env.PATH, HOME: process.env.HOME };
  process.env.HOME = tempDir('borg-test-home-');
});
afterEach(() => {
  process.env.PATH = saved.PATH;
  process.env.HOME = saved.HOME;
});

describe('findTemporalCli', () => {
  it('finds an executable temporal in a PATH dir', async () => {
    const bin = tempDir();
    const cli = fakeTemporal(bin);
    expect(await findTemporalCli({ PATH: `/nonexistent:${bin}` })).toBe(cli);
  });

  it('skips a temporal that is not executable and takes the next one on PATH', async () => {
    const first = tempDir();
    const second = tempDir();
    fakeTemporal(first, 0o644);
    const cli = fakeTemporal(second);
    expect(await findTemporalCli({ PATH: [first, second].join(':') })).toBe(cli);
  });

  it('falls back to ~/go/bin when nothing is on PATH and there is no Go toolchain', async () => {
    process.env.PATH = tempDir(); // no `go` here
    const cli = fakeTemporal(join(process.env.HOME!, 'go', 'bin'));
    expect(await findTemporalCli({ PATH: '' })).toBe(cli);
  });

  it('looks in the GOBIN that `go env` reports', async () => {
    const goDir = tempDir();
    const gobin = tempDir();
    fakeGo(goDir, { gobin, gopath: tempDir(), install: 'exit 0' });
    process.env.PATH = goDir;
    expect(await findTemporalCli({ PATH: '' })).toBeUndefined();
    const cli = fakeTemporal(gobin);
    expect(await findTemporalCli({ PATH: '' })).toBe(cli);
  });

  it('looks in bin/ of every GOPATH entry when GOBIN is unset', async () => {
    const goDir = tempDir();
    const gopaths = [tempDir(), tempDir()];
    fakeGo(goDir, { gobin: '', gopath: gopaths.join(':'), install: 'exit 0' });
    process.env.PATH = goDir;
    const cli = fakeTemporal(join(gopaths[1]!, 'bin'));
    expect(await findTemporalCli({ PATH: '' })).toBe(cli);
  });

  // Where Go installed it: not in a container that was given only the binary (dagger call test).
  it.skipIf(!goInstalledTemporal)("finds the real CLI this machine has (PATH empty: via Go's bin dir)", async () => {
    process.env.HOME = saved.HOME;
    process.env.PATH = saved.PATH;
    expect(await findTemporalCli({ PATH: '' })).toMatch(/\/temporal$/);
  });

  it('returns undefined when there is none anywhere', async () => {
    process.env.PATH = tempDir();
    expect(await findTemporalCli({ PATH: tempDir() })).toBeUndefined();
  });
});

describe('installTemporalCli', () => {
  it('runs go install and returns the binary it put in GOBIN', async () => {
    const goDir = tempDir();
    const gobin = join(tempDir(), 'gobin');
    const built = fakeTemporal(tempDir());
    const { calls } = fakeGo(goDir, {
      gobin,
      gopath: tempDir(),
      install: `/bin/mkdir -p '${gobin}' && /bin/cp '${built}' '${gobin}/temporal'`,
    });
    process.env.PATH = goDir;
    const progress: string[] = [];

    const cli = await installTemporalCli((line) => progress.push(line));

    expect(cli).toBe(join(gobin, 'temporal'));
    expect(existsSync(cli)).toBe(true);
    expect(readFileSync(calls, 'utf8')).toContain(`install ${TEMPORAL_CLI_MODULE}\n`);
    expect(progress).toEqual([expect.stringContaining(`go install ${TEMPORAL_CLI_MODULE}`)]);
  });

  it('fails with what go said and how to do without Go when go install fails', async () => {
    const goDir = tempDir();
    fakeGo(goDir, {
      gobin: '',
      gopath: '',
      install:
        "echo 'go: downloading github.com/temporalio/cli v1.5.1' >&2; echo 'dial tcp: lookup proxy.golang.org: no such host' >&2; exit 1",
    });
    process.env.PATH = goDir;

    const err = await installTemporalCli(() => undefined).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(TemporalCliError);
    const { message, name } = err as TemporalCliError;
    expect(name).toBe('TemporalCliError');
    expect(message).toContain('could not install the temporal CLI with go install');
    expect(message).toContain('no such host');
    expect(message).toContain('BORG_TEMPORAL_CLI');
    expect(message).toContain('TEMPORAL_ADDRESS');
  });

  it('fails with the way out when there is no go at all', async () => {
    process.env.PATH = tempDir();
    const err = await installTemporalCli(() => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemporalCliError);
    expect((err as Error).message).toMatch(/go install \(spawn go ENOENT\); install Go or set BORG_TEMPORAL_CLI or TEMPORAL_ADDRESS/);
  });

  it('fails when go install succeeds but leaves no temporal binary', async () => {
    const goDir = tempDir();
    fakeGo(goDir, { gobin: tempDir(), gopath: tempDir(), install: 'exit 0' });
    process.env.PATH = goDir;
    await expect(installTemporalCli(() => undefined)).rejects.toThrow(/go install succeeded but no temporal binary/);
  });
});

describe('ensureTemporalCli', () => {
  it('returns the configured path unchanged without searching or installing', async () => {
    const goDir = tempDir();
    const { calls } = fakeGo(goDir, { gobin: '', gopath: '', install: 'exit 1' });
    process.env.PATH = goDir;
    const progress: string[] = [];
    expect(await ensureTemporalCli('/opt/temporal/bin/temporal', (line) => progress.push(line))).toBe('/opt/temporal/bin/temporal');
    expect(progress).toEqual([]);
    expect(existsSync(calls)).toBe(false);
  });

  it('uses one it finds without installing', async () => {
    const goDir = tempDir();
    const gobin = tempDir();
    const { calls } = fakeGo(goDir, { gobin, gopath: '', install: 'exit 1' });
    const cli = fakeTemporal(gobin);
    process.env.PATH = goDir;
    const progress: string[] = [];
    expect(await ensureTemporalCli(undefined, (line) => progress.push(line))).toBe(cli);
    expect(progress).toEqual([]);
    expect(readFileSync(calls, 'utf8')).not.toContain('install');
  });

  it('installs when none is configured or found', async () => {
    const goDir = tempDir();
    const gobin = tempDir();
    const built = fakeTemporal(tempDir());
    fakeGo(goDir, { gobin, gopath: '', install: `/bin/cp '${built}' '${gobin}/temporal'` });
    process.env.PATH = goDir;
    const progress: string[] = [];
    expect(await ensureTemporalCli(undefined, (line) => progress.push(line))).toBe(join(gobin, 'temporal'));
    expect(progress).toHaveLength(1);
  });
});
