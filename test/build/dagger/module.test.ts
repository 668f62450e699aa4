/**
 * These tests check the GraphQL queries the Dagger module sends, not an engine run: the SDK is
 * pointed (DAGGER_SESSION_PORT/TOKEN) at a local server that records what each function asks
 * for. The fast check of the module's shape; npm run test:dagger runs it on a real engine.
 */
import { connection, dag, type Container, type Directory, type File, type Secret } from '@dagger.io/dagger';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Selection } from './query-parser.js';
import { execsOf, RecordingEngine, selectionsOf } from './recording-engine.js';

/** The module's functions as `dagger call` sees them. */
interface Borgos {
  lint(source: Directory): Directory;
  test(source: Directory, temporalCli?: File): Directory;
  buildIso(source: Directory, profile?: string, isoTag?: string): Promise<File>;
  image(source: Directory, temporalCli?: File): Container;
  publishImage(source: Directory, address: string): Promise<string>;
  release(source: Directory, githubToken: Secret, repository: string, releaseTag?: string, profile?: string): Promise<string>;
  ci(source: Directory, profile?: string, githubToken?: Secret, repository?: string, releaseTag?: string): Promise<string>;
}

// Imported by a path the root type-check does not follow: the module's legacy decorators
// compile only under dagger/tsconfig.json (experimentalDecorators), which `npx tsc -p dagger` checks.
const modulePath = '../../../build/dagger/src/index.js';
const { Borgos: BorgosModule } = (await import(modulePath)) as { Borgos: new () => Borgos };

const engine = new RecordingEngine('test-session-token');
const repo = '/checkout/borgos';

beforeAll(async () => {
  process.env.DAGGER_SESSION_PORT = String(await engine.start());
  process.env.DAGGER_SESSION_TOKEN = engine.token;
  engine.files.set('package.json', JSON.stringify({ name: 'borgos', version: '9.8.7' }));
});
afterAll(() => engine.stop());
beforeEach(() => {
  engine.queries.length = 0;
  engine.failOn(() => undefined);
});

/** Runs fn against the recording engine, as `dagger call` would run the function. */
async function call(fn: (module: Borgos, source: Directory) => Promise<unknown>): Promise<unknown> {
  let result: unknown;
  await connection(async () => {
    result = await fn(new BorgosModule(), dag.host().directory(repo));
  });
  return result;
}

/** The last query that evaluated something: the one the function's result triggered. */
function lastEvaluation(): Selection[] {
  const chain = engine.evaluations.at(-1)?.chain;
  if (chain === undefined) throw new Error('the module sent no evaluating query');
  return chain;
}

const base = (chain: Selection[]): string | undefined => selectionsOf(chain, 'from')[0]?.args.address as string | undefined;

/** Mount path → cache volume key, resolved through the IDs the engine handed out. */
function caches(chain: Selection[]): Record<string, string> {
  return Object.fromEntries(
    selectionsOf(chain, 'withMountedCache').map((s) => [
      s.args.path,
      selectionsOf(engine.resolve(s.args.cache), 'cacheVolume')[0]?.args.key,
    ]),
  ) as Record<string, string>;
}

function indexOfExec(chain: Selection[], prefix: string[]): number {
  return execsOf(chain).findIndex((argv) => prefix.every((word, i) => argv[i] === word));
}

/** The workspace every Node step shares: caches, source at /src, dependencies installed before the stage. */
function expectNodeWorkspace(chain: Selection[], stageArgv: string[]): void {
  expect(caches(chain)['/root/.npm']).toBe('borgos-npm');
  const sourceMount = selectionsOf(chain, 'withDirectory').find((s) => s.args.path === '/src');
  expect(engine.resolve(sourceMount?.args.source)).toEqual([
    { field: 'host', args: {} },
    { field: 'directory', args: { path: repo } },
  ]);
  expect(selectionsOf(chain, 'withWorkdir')[0]?.args.path).toBe('/src');
  const install = indexOfExec(chain, ['npm', 'install']);
  const stage = execsOf(chain).findIndex((argv) => JSON.stringify(argv) === JSON.stringify(stageArgv));
  expect(install).toBeGreaterThanOrEqual(0);
  expect(stage).toBeGreaterThan(install);
}

describe('dagger module queries', () => {
  it('lint runs the S0 script on Node 20 with shellcheck from a cached apt', async () => {
    await call((m, source) => m.lint(source).sync());
    const chain = lastEvaluation();
    expect(base(chain)).toBe('node:20-bookworm');
    expect(caches(chain)).toMatchObject({ '/var/cache/apt/archives': 'borgos-apt-archives', '/var/lib/apt/lists': 'borgos-apt-lists' });
    expect(execsOf(chain)[indexOfExec(chain, ['apt-get', 'install'])]).toContain('shellcheck');
    expectNodeWorkspace(chain, ['npm', 'run', 'pipeline', '--', 'lint']);
    expect(chain.slice(-2)).toEqual([
      { field: 'directory', args: { path: 'artifacts' } },
      { field: 'sync', args: {} },
    ]);
  });

  it('test puts a Temporal CLI built with cached Go on PATH, and the ISO tools from a cached apt, before running S1', async () => {
    await call((m, source) => m.test(source).sync());
    const chain = lastEvaluation();
    expectNodeWorkspace(chain, ['npm', 'run', 'pipeline', '--', 'test']);
    const temporal = selectionsOf(chain, 'withFile').find((s) => s.args.path === '/usr/local/bin/temporal');
    const built = engine.resolve(temporal?.args.source);
    expect(base(built)).toMatch(/^golang:1\.\d+-bookworm$/);
    expect(caches(built)).toEqual({ '/go/pkg/mod': 'borgos-go-mod', '/root/.cache/go-build': 'borgos-go-build' });
    expect(execsOf(built)).toContainEqual(['go', 'install', 'github.com/temporalio/cli/cmd/temporal@v1.5.1']);
    expect(built.at(-1)).toEqual({ field: 'file', args: { path: '/go/bin/temporal' } });
    expect(execsOf(chain)[indexOfExec(chain, ['apt-get', 'install'])]).toEqual(expect.arrayContaining(['xorriso', 'squashfs-tools']));
  });

  it('test and image take a given Temporal CLI instead of building one', async () => {
    for (const run of [
      (m: Borgos, cli: File) => m.test(dag.host().directory(repo), cli).sync(),
      (m: Borgos, cli: File) => m.image(dag.host().directory(repo), cli).sync(),
    ]) {
      await connection(async () => {
        await run(new BorgosModule(), dag.host().file('/usr/local/bin/temporal-prebuilt'));
      });
      const chain = lastEvaluation();
      const temporal = selectionsOf(chain, 'withFile').find((s) => s.args.path === '/usr/local/bin/temporal');
      expect(engine.resolve(temporal?.args.source)).toEqual([
        { field: 'host', args: {} },
        { field: 'file', args: { path: '/usr/local/bin/temporal-prebuilt' } },
      ]);
      expect(temporal?.args.permissions).toBe(0o755);
    }
  });

  it('buildIso runs S2 on Debian 12 with root capabilities and returns the tagged ISO', async () => {
    await call(async (m, source) => (await m.buildIso(source, 'server', 'borgos-server-1')).sync());
    const chain = lastEvaluation();
    expect(base(chain)).toBe('debian:12');
    const node = selectionsOf(chain, 'withDirectory').find((s) => s.args.path === '/usr/local');
    const nodeSource = engine.resolve(node?.args.source);
    expect(base(nodeSource)).toBe('node:20-bookworm');
    expect(nodeSource.at(-1)).toEqual({ field: 'directory', args: { path: '/usr/local' } });
    expect(selectionsOf(chain, 'withEnvVariable').map((s) => s.args)).toContainEqual({ name: 'npm_config_nodedir', value: '/usr/local' });
    expect(execsOf(chain)[indexOfExec(chain, ['apt-get', 'install'])]).toEqual(expect.arrayContaining(['git', 'python3', 'make', 'g++']));
    expect(caches(chain)).toMatchObject({
      '/var/cache/apt/archives': 'borgos-apt-archives',
      '/var/lib/apt/lists': 'borgos-apt-lists',
      '/root/.cache/borgos/iso': 'borgos-iso',
    });
    expect(execsOf(chain)).toContainEqual(['rm', '-f', '/etc/apt/apt.conf.d/docker-clean']);
    const isoArgv = ['npm', 'run', 'pipeline', '--', 'iso', '--profile', 'server', '--iso-tag', 'borgos-server-1'];
    expectNodeWorkspace(chain, isoArgv);
    const isoExec = selectionsOf(chain, 'withExec').find((s) => JSON.stringify(s.args.args) === JSON.stringify(isoArgv));
    expect(isoExec?.args.insecureRootCapabilities).toBe(true);
    expect(chain.at(-2)).toEqual({ field: 'file', args: { path: 'out/ISO/borgos-server-1.iso' } });
  });

  it('buildIso names the ISO as npm run iso does when no tag is given: borgos-<profile>-<package version>', async () => {
    await call(async (m, source) => (await m.buildIso(source, 'edge-iot')).sync());
    expect(lastEvaluation().at(-2)).toEqual({ field: 'file', args: { path: 'out/ISO/borgos-edge-iot-9.8.7.iso' } });
  });

  it('image builds the Dockerfile from the context S3 assembles, on the registry Node base', async () => {
    await call((m, source) => m.image(source).sync());
    const chain = lastEvaluation();
    expectNodeWorkspace(chain, ['npm', 'run', 'pipeline', '--', 'image', '--context-only']);
    expect(selectionsOf(chain, 'withFile').some((s) => s.args.path === '/usr/local/bin/temporal')).toBe(true);
    expect(chain.slice(-3)).toEqual([
      { field: 'directory', args: { path: '.build/image' } },
      { field: 'dockerBuild', args: { buildArgs: [{ name: 'BASE_IMAGE', value: 'node:20-bookworm-slim' }] } },
      { field: 'sync', args: {} },
    ]);
  });

  it('publishImage pushes the built image to the given address', async () => {
    const ref = await call((m, source) => m.publishImage(source, 'registry.example/borgos:0.1.0'));
    const chain = lastEvaluation();
    expect(chain.at(-1)).toEqual({ field: 'publish', args: { address: 'registry.example/borgos:0.1.0' } });
    expect(chain.at(-2)?.field).toBe('dockerBuild');
    expect(ref).toMatch(/^registry\.example\/borgos:0\.1\.0@sha256:/);
  });

  it('release hands S4 the ISO directory, the image tarball and the token as a secret', async () => {
    await call((m, source) => m.release(source, dag.setSecret('gh', 'ghp_example'), 'borg/borgos', 'v1.2.3', 'server'));
    const chain = lastEvaluation();
    expectNodeWorkspace(chain, ['npm', 'run', 'pipeline', '--', 'release', '--release-tag', 'v1.2.3']);
    const secret = selectionsOf(chain, 'withSecretVariable')[0];
    expect(secret?.args.name).toBe('GITHUB_TOKEN');
    expect(engine.resolve(secret?.args.secret)).toEqual([{ field: 'setSecret', args: { name: 'gh', plaintext: 'ghp_example' } }]);
    expect(selectionsOf(chain, 'withEnvVariable')).toContainEqual({
      field: 'withEnvVariable',
      args: { name: 'GITHUB_REPOSITORY', value: 'borg/borgos' },
    });
    const isoDir = engine.resolve(selectionsOf(chain, 'withDirectory').find((s) => s.args.path === 'out/ISO')?.args.source);
    expect(isoDir.at(-1)).toEqual({ field: 'directory', args: { path: 'out/ISO' } });
    expect(execsOf(isoDir)).toContainEqual([
      'npm',
      'run',
      'pipeline',
      '--',
      'iso',
      '--profile',
      'server',
      '--iso-tag',
      'borgos-server-9.8.7',
    ]);
    const tarball = engine.resolve(selectionsOf(chain, 'withFile').find((s) => s.args.path === 'out/image/borgos-image.tar')?.args.source);
    expect(tarball.slice(-2).map((s) => s.field)).toEqual(['dockerBuild', 'asTarball']);
    expect(chain.at(-1)?.field).toBe('stdout');
    expect(selectionsOf(chain, 'withEnvVariable').some((s) => s.args.name === 'GITHUB_TOKEN')).toBe(false);
  });

  it('ci runs lint, test, iso and image in order', async () => {
    const summary = await call((m, source) => m.ci(source));
    // Reading package.json for the ISO tag is an evaluation too, with no stage in it.
    const stages = engine.evaluations
      .map((q) => execsOf(q.chain).find((argv) => argv[2] === 'pipeline')?.[4])
      .filter((name) => name !== undefined);
    expect(stages).toEqual(['lint', 'test', 'iso', 'image']);
    expect(summary).toBe('ci passed: lint, test, iso, image');
  });

  it('ci with a token ends with the release stage for the given tag', async () => {
    const summary = await call((m, source) => m.ci(source, 'server', dag.setSecret('gh', 'ghp_example'), 'borg/borgos', 'v2.0.0'));
    const last = execsOf(lastEvaluation()).at(-1);
    expect(last).toEqual(['npm', 'run', 'pipeline', '--', 'release', '--release-tag', 'v2.0.0']);
    expect(summary).toBe('ci passed: lint, test, iso, image, release');
  });

  it('ci refuses a token without a repository before running any stage', async () => {
    await expect(call((m, source) => m.ci(source, 'server', dag.setSecret('gh', 'ghp_example')))).rejects.toThrow(
      'githubToken given without repository',
    );
    expect(engine.evaluations).toEqual([]);
  });

  it('ci stops at the first failing stage and names it', async () => {
    engine.failOn((chain) =>
      execsOf(chain).some((argv) => argv.join(' ') === 'npm run pipeline -- test')
        ? {
            message: 'process "npm run pipeline -- test" did not complete successfully: exit code: 1',
            exitCode: 1,
            stderr: 'line coverage 80% is under 90%',
          }
        : undefined,
    );
    await expect(call((m, source) => m.ci(source))).rejects.toThrow(/ci failed at stage test \(passed: lint\)/);
    const stages = engine.evaluations.map((q) => execsOf(q.chain).find((argv) => argv[2] === 'pipeline')?.[4]);
    expect(stages).toEqual(['lint', 'test']);
  });
});
