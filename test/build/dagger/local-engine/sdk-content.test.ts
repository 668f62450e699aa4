import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStageContext } from '../../../../build/pipeline/step.js';
import { layout as cacheLayout, versionCacheDir } from '../../../../build/dagger/local-engine/lib/layout.js';
import type { Blob, OciImage } from '../../../../build/dagger/local-engine/lib/oci.js';
import { goSdkModule } from '../../../../build/dagger/local-engine/lib/pins.js';
import { runAtSrc } from '../../../../build/dagger/local-engine/lib/sdk/at-src.js';
import { readSdkImage, sdkStamp, type SdkName } from '../../../../build/dagger/local-engine/lib/sdk/content.js';
import { sdkEngineSetup } from '../../../../build/dagger/local-engine/lib/sdk/engine-setup.js';
import { goSdkContentStep } from '../../../../build/dagger/local-engine/lib/sdk/go-content.js';
import { goSdkLibVersion } from '../../../../build/dagger/local-engine/lib/sdk/go-proxy.js';
import { tsRuntimeImages } from '../../../../build/dagger/local-engine/lib/sdk/pins.js';
import { tsSdkContentStep } from '../../../../build/dagger/local-engine/lib/sdk/ts-content.js';

const run = promisify(execFile);

// The real cache the harness builds in (build.ts must have run): the steps make the content, or find it up to date.
const layout = cacheLayout(versionCacheDir(undefined, process.env));
const scratch = mkdtempSync(path.join(tmpdir(), 'sdk-content-test-'));
const ctx = openStageContext(path.join(scratch, 'steps.log'), false, () => undefined);
const roots: Partial<Record<SdkName, string>> = {};
// Checks what build.ts made; elsewhere (a fresh clone, a container of `dagger call test`) there is nothing to check.
const skipReason =
  process.getuid?.() !== 0
    ? 'not root'
    : (['go', 'typescript'] as const).some((sdk) => !existsSync(sdkStamp(layout, sdk)))
      ? `no SDK content in ${layout.sdk}: run build/dagger/local-engine/build.ts`
      : undefined;
const titled = (title: string): string => (skipReason ? `${title} (skipped: ${skipReason})` : title);

const sha256 = (file: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(`sha256:${hash.digest('hex')}`))
      .on('error', reject);
  });

/** The SDK image's only layer, unpacked as the engine would see its rootfs. */
async function unpack(sdk: SdkName): Promise<string> {
  const image = readSdkImage(layout, sdk);
  const root = path.join(scratch, sdk);
  mkdirSync(root);
  await run('tar', ['--extract', '--file', image.layers[0]!.path, '--directory', root]);
  return root;
}

const rootOf = (sdk: SdkName): string => {
  const root = roots[sdk];
  if (!root) throw new Error(`the ${sdk} content was not unpacked`);
  return root;
};

beforeAll(async () => {
  if (skipReason) return;
  const options = { vendorDir: '', jobs: undefined, force: false };
  await goSdkContentStep.run(layout, options, ctx);
  await tsSdkContentStep.run(layout, options, ctx);
  roots.go = await unpack('go');
  roots.typescript = await unpack('typescript');
}, 20 * 60_000);

afterAll(async () => {
  await ctx.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(skipReason !== undefined)(titled('the SDK content images'), () => {
  it.each(['go', 'typescript'] as const)('%s: the manifest names a config and layers present with their digests', async (sdk) => {
    const image: OciImage = readSdkImage(layout, sdk);
    const manifest = JSON.parse(readFileSync(image.manifest.path, 'utf8')) as {
      mediaType: string;
      config: Pick<Blob, 'digest' | 'size'>;
      layers: Pick<Blob, 'digest' | 'size'>[];
    };
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(manifest.config.digest).toBe(image.config.digest);
    expect(manifest.layers.map((layer) => layer.digest)).toEqual(image.layers.map((layer) => layer.digest));
    for (const blob of [image.manifest, image.config, ...image.layers]) expect(await sha256(blob.path)).toBe(blob.digest);
  });

  it('the engine setup names both manifests and gathers every blob, and only those, into the built-in content store', async () => {
    const stale = path.join(layout.sdk, 'content', 'blobs', 'sha256', '0'.repeat(64));
    mkdirSync(path.dirname(stale), { recursive: true });
    writeFileSync(stale, 'a blob of an earlier build');
    const setup = await sdkEngineSetup(layout);
    expect(existsSync(stale)).toBe(false);
    expect(setup.builtinContent.target).toBe('/usr/local/share/dagger/content');
    expect(setup.env._DAGGER_ENGINE_SYSTEMENV_GOPROXY).toBe('file:///goproxy,https://proxy.golang.org');
    for (const [sdk, name] of [
      ['go', 'DAGGER_GO_SDK_MANIFEST_DIGEST'],
      ['typescript', 'DAGGER_TYPESCRIPT_SDK_MANIFEST_DIGEST'],
    ] as const) {
      const image = readSdkImage(layout, sdk);
      expect(setup.env[name]).toBe(image.manifest.digest);
      for (const blob of [image.manifest, image.config, ...image.layers]) {
        expect(existsSync(path.join(setup.builtinContent.source, 'blobs', 'sha256', blob.digest.slice('sha256:'.length)))).toBe(true);
      }
    }
  });
});

describe.skipIf(skipReason !== undefined)(titled('the Go SDK content'), () => {
  it("resolves the commit the engine's codegen asks for from its file proxy alone", async () => {
    const root = rootOf('go');
    const probe = path.join(scratch, 'go-probe');
    mkdirSync(probe);
    writeFileSync(path.join(probe, 'go.mod'), 'module example.com/probe\n\ngo 1.26.1\n');
    const env = {
      PATH: `${path.join(root, 'usr', 'local', 'go', 'bin')}:/usr/bin:/bin`,
      HOME: scratch,
      GOPROXY: `file://${path.join(root, 'goproxy')}`,
      GOSUMDB: 'off',
      GOFLAGS: '-mod=mod',
      GOTOOLCHAIN: 'local',
      GOMODCACHE: path.join(scratch, 'go-modcache'),
      GOCACHE: path.join(scratch, 'go-build'),
    };
    const { stdout: version } = await run('go', ['version'], { cwd: probe, env });
    expect(version).toMatch(/^go version go1\.26\.5 linux\/amd64/);
    await run('go', ['get', `${goSdkModule.path}@${goSdkLibVersion(layout)}`], { cwd: probe, env });
    expect(readFileSync(path.join(probe, 'go.mod'), 'utf8')).toContain(`${goSdkModule.path} ${goSdkModule.version}`);
    await run('chmod', ['-R', 'u+w', env.GOMODCACHE]);
  }, 120_000);

  it('holds codegen, busybox and the empty caches the engine seeds its volumes from', async () => {
    const root = rootOf('go');
    const { stdout } = await run(path.join(root, 'usr', 'local', 'bin', 'codegen'), ['--help']);
    expect(stdout).toContain('generate-typedefs');
    const { stdout: echoed } = await run(path.join(root, 'bin', 'sh'), ['-c', 'echo busybox sh']);
    expect(echoed.trim()).toBe('busybox sh');
    for (const dir of ['go/pkg/mod', 'root/.cache/go-build']) expect(existsSync(path.join(root, dir))).toBe(true);
  });
});

describe.skipIf(skipReason !== undefined)(titled('the TypeScript SDK content'), () => {
  it('has ts-introspector, built at /src, read the functions of a module', async () => {
    const root = rootOf('typescript');
    const tree = path.join(scratch, 'ts-module');
    mkdirSync(path.join(tree, 'src'), { recursive: true });
    mkdirSync(path.join(tree, 'node_modules'));
    symlinkSync(path.join(root, 'typescript-library'), path.join(tree, 'node_modules', 'typescript'));
    symlinkSync(root, path.join(tree, 'sdk'));
    writeFileSync(
      path.join(tree, 'src', 'index.ts'),
      [
        'import { func, object } from "../sdk/src/module/decorators.js"',
        '',
        '/** Says hello */',
        '@object()',
        'export class Greeter {',
        '  @func()',
        '  hello(name: string): string {',
        '    return `hello ${name}`',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const output = path.join(scratch, 'introspection.json');
    await runAtSrc(
      ctx,
      'ts-introspector',
      path.join(scratch, 'mnt'),
      tree,
      ['/bin/sh', '-c', `"$@" > ${output}`, 'sh', path.join(root, 'bin', 'ts-introspector'), 'greeter', 'src', 'sdk/src/api/client.gen.ts'],
      { DRY_RUN: '1' },
    );
    const scanned = JSON.parse(readFileSync(output, 'utf8')) as {
      objects: Record<string, { description: string; methods: Record<string, unknown> }>;
    };
    expect(scanned.objects.Greeter?.description).toBe('Says hello');
    expect(Object.keys(scanned.objects.Greeter?.methods ?? {})).toEqual(['hello']);
  }, 120_000);

  it('has a bundled core.js that loads under node beside the typescript library', async () => {
    const root = rootOf('typescript');
    symlinkSync(
      path.join(root, 'typescript-library'),
      path.join(mkdirSync(path.join(root, 'node_modules'), { recursive: true }) ?? '', 'typescript'),
    );
    const script = `const sdk = await import(${JSON.stringify(path.join(root, 'bundled_lib', 'core.js'))}); console.log(typeof sdk.dag, typeof sdk.connect)`;
    const { stdout } = await run('node', ['--input-type=module', '-e', script]);
    expect(stdout.trim()).toBe('object function');
    const declarations = readFileSync(path.join(root, 'bundled_lib', 'core.d.ts'), 'utf8');
    expect(declarations).toContain('declare class Client extends BaseClient');
    expect(declarations).toMatch(/^export \{.* connect, .* dag, .*\};$/m);
  });

  it('runs modules in the local images, not the Alpine digests', () => {
    const consts = readFileSync(path.join(rootOf('typescript'), 'runtime', 'tsdistconsts', 'consts.go'), 'utf8');
    expect(consts).toMatch(new RegExp(`DefaultNodeImageRef\\s*= "${tsRuntimeImages.node}"\n`));
    expect(consts).toMatch(new RegExp(`DefaultBunImageRef\\s*= "${tsRuntimeImages.bun}"\n`));
  });
});
