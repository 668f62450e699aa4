import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStageContext } from '../../../../build/pipeline/step.js';
import { layout as cacheLayout, versionCacheDir } from '../../../../build/dagger/local-engine/lib/layout.js';
import { buildImage, packLayer } from '../../../../build/dagger/local-engine/lib/oci.js';
import { pushImage, registryBinary, startRegistry, writeRegistryConfig } from '../../../../build/dagger/local-engine/lib/registry.js';

// The real docker-registry from the cache the runtime-packages step fills; storage goes to a temporary directory.
const cached = cacheLayout(versionCacheDir(undefined, process.env));
const hasRegistry = existsSync(registryBinary(cached));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'borg-registry-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeRegistryConfig', () => {
  it('points storage at the layout registry and listens where asked', () => {
    const file = path.join(dir, 'config.yml');
    writeRegistryConfig({ ...cached, registry: path.join(dir, 'storage') }, '127.0.0.1:5000', file);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`rootdirectory: "${path.join(dir, 'storage')}"`);
    expect(text).toContain('addr: "127.0.0.1:5000"');
    expect(text).not.toContain('htpasswd');
  });
});

describe.skipIf(!hasRegistry)(`docker-registry (skipped without ${registryBinary(cached)}: run runtime-packages.ts)`, () => {
  it('serves back an image pushed into it, and a second push uploads no blob again', async () => {
    const tree = path.join(dir, 'rootfs');
    mkdirSync(path.join(tree, 'etc'), { recursive: true });
    writeFileSync(path.join(tree, 'etc', 'hostname'), 'test\n');
    const blobs = path.join(dir, 'blobs');
    const layer = await packLayer(tree, blobs);
    const image = await buildImage([layer], { Cmd: ['sh'] }, blobs);
    const layout = { ...cached, registry: path.join(dir, 'storage') };
    const ctx = openStageContext(path.join(dir, 'registry.log'), false, () => {});
    const registry = await startRegistry(layout, ctx);
    try {
      expect(await pushImage(registry.url, 'library/test', '1', image)).toBe(image.manifest.digest);

      const manifest = await fetch(`${registry.url}/v2/library/test/manifests/1`, {
        headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      expect(manifest.status).toBe(200);
      expect(manifest.headers.get('docker-content-digest')).toBe(image.manifest.digest);
      expect(Buffer.from(await manifest.arrayBuffer())).toEqual(readFileSync(image.manifest.path));
      for (const blob of [image.config, layer]) {
        const response = await fetch(`${registry.url}/v2/library/test/blobs/${blob.digest}`);
        expect(response.status).toBe(200);
        expect(Buffer.from(await response.arrayBuffer())).toEqual(readFileSync(blob.path));
      }

      // Pushing again only asks whether each blob is there, then puts the manifest.
      const requests: string[] = [];
      const realFetch = globalThis.fetch;
      globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
        const url = input instanceof Request ? input.url : input.toString();
        requests.push(`${init?.method ?? 'GET'} ${url.replace(registry.url, '')}`);
        return realFetch(input, init);
      };
      try {
        await pushImage(registry.url, 'library/test', '1', image);
      } finally {
        globalThis.fetch = realFetch;
      }
      expect(requests).toEqual([
        `HEAD /v2/library/test/blobs/${layer.digest}`,
        `HEAD /v2/library/test/blobs/${image.config.digest}`,
        'PUT /v2/library/test/manifests/1',
      ]);
    } finally {
      await registry.stop();
      await ctx.close();
    }
    // Stopped: nothing answers any more.
    await expect(fetch(`${registry.url}/v2/`)).rejects.toThrow();
  });
});
