import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingPieces } from '../../../../build/dagger/local-engine/lib/engine/pieces.js';
import { type RunningEngine, startEngine } from '../../../../build/dagger/local-engine/lib/engine/start.js';
import { type Layout, layout as cacheLayout, versionCacheDir } from '../../../../build/dagger/local-engine/lib/layout.js';
import { buildImage, packLayer } from '../../../../build/dagger/local-engine/lib/oci.js';
import { pushImage, startRegistry } from '../../../../build/dagger/local-engine/lib/registry.js';
import { DAGGER_VERSION } from '../../../../build/dagger/local-engine/lib/pins.js';
import { openStageContext, type StageContext } from '../../../../build/pipeline/step.js';
import { repoRoot, runTsx } from '../../pipeline/run-tsx.js';
import { hostState, processesInNamespace, processesMentioning } from './engine-host-state.js';

const execFileAsync = promisify(execFile);

// The real binaries from the cache build.ts fills; registry, engine state and run directory in a temporary cache.
const cached = cacheLayout(versionCacheDir(undefined, process.env));
const missing = missingPieces(cached);
const skipReason =
  process.getuid?.() !== 0
    ? 'needs root (namespaces, overlays)'
    : missing.length > 0
      ? `the cache lacks ${missing.join(', ')}: run build/dagger/local-engine/build.ts`
      : undefined;

const IMAGE = 'busybox:engine-test';
/** How long the container of the SIGKILL test would sleep: a number no other process on the host is likely to use. */
const SLEEP = 6171;
/** Where the library test binds a directory: under /usr, which the namespace overlays. */
const BIND_TARGET = '/usr/local/share/borg-engine-test';

let base: string;
let layout: Layout;
let ctx: StageContext & { close(): Promise<void> };

/** A cache whose bin/ and runtime/ are the real cache's, everything else fresh (so the first start is cold). */
function temporaryCache(): Layout {
  base = mkdtempSync(path.join(tmpdir(), 'borg-engine-test-'));
  const fresh = cacheLayout(path.join(base, DAGGER_VERSION));
  mkdirSync(fresh.root, { recursive: true });
  symlinkSync(cached.bin, fresh.bin);
  symlinkSync(cached.runtime, fresh.runtime);
  return fresh;
}

/** busybox-static as a one-layer image, pushed into the temporary cache's registry storage as docker.io's busybox. */
async function pushBusybox(): Promise<void> {
  const rootfs = path.join(base, 'busybox', 'rootfs');
  mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  copyFileSync(path.join(cached.runtime, 'bin', 'busybox'), path.join(rootfs, 'bin', 'busybox'));
  const blobs = path.join(base, 'busybox', 'blobs');
  const image = await buildImage([await packLayer(rootfs, blobs)], { Env: ['PATH=/bin'] }, blobs);
  const registry = await startRegistry(layout, ctx);
  try {
    const [name, tag] = IMAGE.split(':') as [string, string];
    await pushImage(registry.url, `library/${name}`, tag, image);
  } finally {
    await registry.stop();
  }
}

/** The dagger CLI against `engine`, with v0.21.8's shell syntax; outside the repository's module. */
async function dagger(engine: RunningEngine, script: string): Promise<string> {
  const { stdout } = await execFileAsync(path.join(cached.bin, 'dagger'), ['--no-mod', '-c', script], {
    cwd: base,
    env: { ...process.env, ...engine.cliEnv },
    timeout: 120_000,
  });
  return stdout;
}

const readOr = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000}s waiting for ${what}`);
    await sleep(100);
  }
}

/** The engine process serving `socket` (its arguments name the socket), as the host numbers it. */
function enginePid(socket: string): string {
  const [entry] = processesMentioning(`unix://${socket}`).filter((line) => line.endsWith(' engine'));
  if (!entry) throw new Error(`no engine process serves ${socket}`);
  return entry.split(' ')[0] ?? '';
}

const pidNamespace = (pid: string): string => readlinkSync(`/proc/${pid}/ns/pid`);

describe('engine.ts', () => {
  const script = 'build/dagger/local-engine/engine.ts';

  it('--help tells how to run a command against the engine, and the options', async () => {
    const { code, stdout } = await runTsx(script, ['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('usage: npx tsx build/dagger/local-engine/engine.ts [options] [-- command args…]');
    for (const option of ['--cache DIR', '--verbose', '--help']) expect(stdout).toContain(option);
  });

  it('refuses an unknown option, or -- without a command, as a usage error', async () => {
    const unknown = await runTsx(script, ['--force']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: Unknown option '--force'; see --help");
    const empty = await runTsx(script, ['--']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("error: nothing after '--': expected a command; see --help");
  });

  it('names what is missing and its log when the cache has not been built', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'borg-engine-empty-'));
    try {
      const { code, stderr } = await runTsx(script, ['--cache', empty]);
      expect(code).toBe(1);
      expect(stderr).toContain(`error: starting the engine failed: the cache lacks ${path.join(empty, DAGGER_VERSION, 'bin', 'engine')}`);
      expect(stderr).toContain('run build/dagger/local-engine/build.ts');
      expect(stderr).toContain(`log: ${path.join(empty, DAGGER_VERSION, 'logs', 'engine-start.log')}`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe.skipIf(skipReason !== undefined)(`the local engine${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  beforeAll(async () => {
    layout = temporaryCache();
    ctx = openStageContext(path.join(base, 'test.log'), false, () => {});
    await pushBusybox();
  });
  afterAll(async () => {
    await ctx?.close();
    if (base && !process.env.KEEP_ENGINE_TEST) rmSync(base, { recursive: true, force: true });
  });

  describe('started and stopped through the library', () => {
    let engine: RunningEngine;
    let before: ReturnType<typeof hostState>;
    let namespace: string;
    let bound: string;

    beforeAll(async () => {
      before = hostState(base, process.pid);
      bound = path.join(base, 'bound');
      mkdirSync(bound);
      writeFileSync(path.join(bound, 'hello'), 'bound\n');
      const startedAt = performance.now();
      engine = await startEngine(layout, ctx, { binds: [{ source: bound, target: BIND_TARGET }] });
      console.info(`engine cold start (empty state): ${((performance.now() - startedAt) / 1000).toFixed(1)}s`);
      namespace = pidNamespace(enginePid(engine.socket));
    });
    afterAll(async () => {
      await engine?.stop();
    });

    it('runs a container from an image it pulls as docker.io from the registry storage', async () => {
      const token = `hello-${Date.now()}`;
      expect(await dagger(engine, `container | from ${IMAGE} | with-exec busybox echo ${token} | stdout`)).toBe(`${token}\n`);
    });

    it('shows the engine a bound directory read-only at its target, and the host nothing there', () => {
      const inside = `/proc/${enginePid(engine.socket)}/root${BIND_TARGET}`;
      expect(readFileSync(path.join(inside, 'hello'), 'utf8')).toBe('bound\n');
      expect(() => writeFileSync(path.join(inside, 'written'), 'no')).toThrow(/EROFS/);
      expect(existsSync(BIND_TARGET)).toBe(false);
    });

    it('gives containers a default route, and reaches the outside network through slirp4netns', async () => {
      expect(await dagger(engine, `container | from ${IMAGE} | with-exec busybox ip route | stdout`)).toMatch(/^default via /m);
      // The engine itself fetches over the uplink (busybox-static's own resolver crashes, so not from a container).
      expect(await dagger(engine, 'http http://deb.debian.org/debian/dists/bookworm/Release | contents')).toMatch(/^Origin: Debian$/m);
    });

    it('leaves the host as it was once stopped, and starts warm from its kept state', async () => {
      await engine.stop();
      expect(processesInNamespace(namespace)).toEqual([]);
      expect(hostState(base, process.pid)).toEqual(before);

      const startedAt = performance.now();
      engine = await startEngine(layout, ctx);
      console.info(`engine warm start: ${((performance.now() - startedAt) / 1000).toFixed(1)}s`);
      expect(await dagger(engine, `container | from ${IMAGE} | with-exec busybox echo warm | stdout`)).toBe('warm\n');
      const stoppedAt = performance.now();
      await engine.stop();
      console.info(`engine stop: ${((performance.now() - stoppedAt) / 1000).toFixed(1)}s`);
      expect(hostState(base, process.pid)).toEqual(before);
    }, 120_000);
  });

  it('refuses a bind whose target would be made on the host', async () => {
    await expect(startEngine(layout, ctx, { binds: [{ source: base, target: '/srv/borg-engine-test' }] })).rejects.toThrow(
      'bind ' + base + ' -> /srv/borg-engine-test: the target must be under /usr, /etc, /opt, /var, /run',
    );
  });

  it('fails naming the log, with its reason, when the namespace ends before the engine answers', async () => {
    const before = hostState(base, process.pid);
    // A bind target namespace.sh cannot create: /run/… under a read-only bind of the same source.
    const failing = startEngine(layout, ctx, {
      binds: [
        { source: base, target: '/run/borg-engine-test' },
        { source: base, target: '/run/borg-engine-test/no-such-dir' },
      ],
    });
    await expect(failing).rejects.toThrow(
      new RegExp(
        `namespace ended \\(exit code 1\\) before the engine answered; see ${layout.logs}/engine.log:\\n.*/run/borg-engine-test/no-such-dir`,
        's',
      ),
    );
    expect(hostState(base, process.pid)).toEqual(before);
  });

  it('vanishes with the host left as it was when engine.ts is killed with SIGKILL while a container runs', async () => {
    // One node process (no npx or tsx wrapper in between), so SIGKILL hits the process that started the engine.
    const script: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'build/dagger/local-engine/engine.ts'), '--cache', base],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const before = hostState(base, script.pid ?? 0);
    let stdout = '';
    script.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    let cli: ChildProcess | undefined;
    try {
      await waitFor('the export line of engine.ts', () => stdout.includes('export _EXPERIMENTAL_DAGGER_RUNNER_HOST=unix://'), 90_000);
      const socket = /^export _EXPERIMENTAL_DAGGER_RUNNER_HOST=unix:\/\/(.*)$/m.exec(stdout)?.[1] ?? '';
      const namespace = pidNamespace(enginePid(socket));
      cli = spawn(
        path.join(cached.bin, 'dagger'),
        ['--no-mod', '-c', `container | from ${IMAGE} | with-exec busybox sleep ${SLEEP} | stdout`],
        {
          cwd: base,
          env: { ...process.env, _EXPERIMENTAL_DAGGER_RUNNER_HOST: `unix://${socket}`, DO_NOT_TRACK: '1', DAGGER_NO_NAG: '1' },
          stdio: 'ignore',
        },
      );
      // The container has a pid namespace of its own, inside the engine's: find it by its command line.
      let sleeper: string | undefined;
      const sleeping = (): boolean => {
        sleeper = readdirSync('/proc').find((pid) => /^\d+$/.test(pid) && readOr(`/proc/${pid}/cmdline`) === `busybox\0sleep\0${SLEEP}\0`);
        return sleeper !== undefined;
      };
      await waitFor('the container running busybox sleep', sleeping, 60_000);

      script.kill('SIGKILL');
      // The CLI is ours, not the engine's: it would wait for the engine to come back.
      cli.kill('SIGKILL');
      await waitFor('every process of the namespace to end', () => processesInNamespace(namespace).length === 0, 15_000);
      await waitFor("the container's process to end", () => !existsSync(`/proc/${sleeper ?? ''}`), 15_000);
      await waitFor('every process started for the engine to end', () => processesMentioning(base).length === 0, 15_000);
      expect(hostState(base, script.pid ?? 0)).toEqual(before);
    } finally {
      script.kill('SIGKILL');
      cli?.kill('SIGKILL');
    }
  }, 180_000);
});
