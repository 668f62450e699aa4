import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStageContext } from '../../../../build/pipeline/step.js';
import { imageRecipes, imageRef } from '../../../../build/dagger/local-engine/lib/images/catalog.js';
import { runInChroot } from '../../../../build/dagger/local-engine/lib/images/chroot.js';
import { registryTagLink } from '../../../../build/dagger/local-engine/lib/images/step.js';
import { type PulledImage, pullRootfs } from '../../../../build/dagger/local-engine/lib/images/unpack.js';
import { layout as cacheLayout, versionCacheDir } from '../../../../build/dagger/local-engine/lib/layout.js';
import { registryBinary, type RunningRegistry, startRegistry } from '../../../../build/dagger/local-engine/lib/registry.js';

// The images the images step pushed into the real cache's registry storage: pulled back through docker-registry
// and run in a chroot, as a container would run them (root is needed for chroot and for the files' owners).
const cached = cacheLayout(versionCacheDir(undefined, process.env));
const isRoot = process.getuid?.() === 0;
const missing = imageRecipes.filter((image) => !existsSync(registryTagLink(cached, image.name, image.tag))).map(imageRef);
const skipReason = !isRoot
  ? 'not root'
  : !existsSync(registryBinary(cached))
    ? `no ${registryBinary(cached)}`
    : missing.length > 0
      ? `not in ${cached.registry}: ${missing.join(', ')} (run images.ts)`
      : '';

let dir: string;
let registry: RunningRegistry;
let ctx: ReturnType<typeof openStageContext>;

beforeAll(async () => {
  if (skipReason) return;
  dir = mkdtempSync(path.join(tmpdir(), 'borg-images-test-'));
  ctx = openStageContext(path.join(dir, 'images-test.log'), false, () => {});
  registry = await startRegistry(cached, ctx);
});
afterAll(async () => {
  if (skipReason) return;
  await registry.stop();
  await ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

const pulls = new Map<string, Promise<{ image: PulledImage; rootfs: string }>>();

/** Each image is pulled once into its own root tree: the larger ones take seconds to fetch and unpack. */
function pull(name: string, tag: string): Promise<{ image: PulledImage; rootfs: string }> {
  const ref = `${name}:${tag}`;
  let pulled = pulls.get(ref);
  if (!pulled) {
    const rootfs = path.join(dir, ref.replace(/[/:]/g, '-'));
    pulled = pullRootfs(registry.url, name, tag, rootfs).then((image) => ({ image, rootfs }));
    pulls.set(ref, pulled);
  }
  return pulled;
}

/** Runs `script` in the image's root tree with the image's Env, as its user would see it. */
async function pullAndRun(name: string, tag: string, script: string): Promise<{ image: PulledImage; output: string }> {
  const { image, rootfs } = await pull(name, tag);
  const env = (image.config.Env ?? []).map((entry) => `export '${entry}'`).join('\n');
  const output = await runInChroot(ctx, `smoke ${name}:${tag}`, rootfs, `${env}\n${script}`);
  return { image, output };
}

describe.skipIf(skipReason !== '')(`the base images in the registry storage${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('debian:12 is bookworm with the official shape, and apt works with its official sources', async () => {
    const { image, output } = await pullAndRun(
      'library/debian',
      '12',
      'cat /etc/os-release; ls /etc/apt/apt.conf.d; ls /var/lib/apt/lists | wc -l; apt-get update -qq && echo APT-OK',
    );
    expect(image.layers).toHaveLength(1);
    expect(image.config.Cmd).toEqual(['bash']);
    expect(image.config.Env).toContain('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    expect(output).toContain('VERSION_CODENAME=bookworm');
    expect(output).toContain('docker-clean');
    expect(output).toContain('APT-OK');
  });

  it.each([
    ['20-bookworm-slim', 2],
    ['20-bookworm', 3],
  ])('node:%s runs Node 20 with npm and yarn, over the same debian layer', async (tag, layerCount) => {
    const { image: debian } = await pull('library/debian', '12');
    const { image, output } = await pullAndRun('library/node', tag, 'node -v; npm -v; yarn --version; echo "CA=$NODE_EXTRA_CA_CERTS"');
    expect(image.layers).toHaveLength(layerCount);
    expect(image.layers[0]).toBe(debian.layers[0]);
    expect(output).toMatch(/^v20\.\d+\.\d+$/m);
    expect(output).toMatch(/^1\.22\.22$/m);
    expect(output).toContain('CA=/etc/ssl/certs/ca-certificates.crt');
  });

  it('node:20-bookworm has what node-gyp needs to compile a native addon offline', async () => {
    const { output } = await pullAndRun(
      'library/node',
      '20-bookworm',
      'echo "nodedir=$npm_config_nodedir"; test -f "$npm_config_nodedir/include/node/node_api.h" && echo HEADERS; g++ --version | head -1; python3 --version; make --version | head -1; git --version',
    );
    expect(output).toContain('nodedir=/usr/local');
    expect(output).toContain('HEADERS');
    expect(output).toMatch(/^g\+\+ \(Debian/m);
    expect(output).toMatch(/^Python 3\./m);
    expect(output).toMatch(/^git version/m);
  });

  it.each(['1.25'])('golang:%s-bookworm runs that Go with GOPATH /go, gcc and git', async (minor) => {
    const { image, output } = await pullAndRun(
      'library/golang',
      `${minor}-bookworm`,
      'go version; go env GOPATH GOROOT GOTOOLCHAIN; gcc --version | head -1; git --version',
    );
    expect(output).toMatch(new RegExp(`^go version go${minor.replace('.', '\\.')}\\.\\d+ linux/amd64$`, 'm'));
    expect(output).toMatch(/^\/go\n\/usr\/local\/go\nlocal$/m);
    expect(output).toMatch(/^gcc \(Debian/m);
    expect(image.config.WorkingDir).toBe('/go');
  });

  it('borgos/dagger-ts-node:20 is node slim with an apk that exits 0', async () => {
    const { output } = await pullAndRun('borgos/dagger-ts-node', '20', 'apk add ca-certificates && echo APK-OK; node -v');
    expect(output).toContain('APK-OK');
    expect(output).toMatch(/^v20\./m);
  });

  it('borgos/dagger-ts-bun:1.3.0 runs bun 1.3.0', async () => {
    const { output } = await pullAndRun('borgos/dagger-ts-bun', '1.3.0', 'bun --version; bunx --version');
    expect(output).toMatch(/^1\.3\.0$/m);
  });
});
