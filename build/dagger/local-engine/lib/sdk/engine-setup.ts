import { existsSync, linkSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Layout } from '../layout.js';
import { blobPath, type Blob } from '../oci.js';
import { readSdkImage, type SdkName } from './content.js';
import { GO_SDK_GOPROXY } from './pins.js';

/** Where the engine opens its store of built-in content (engine/distconsts EngineContainerBuiltinContentDir). */
export const BUILTIN_CONTENT_PATH = '/usr/local/share/dagger/content';

/** The engine variable naming each SDK's image manifest in the built-in content store. */
const manifestEnv: Record<SdkName, string> = {
  go: 'DAGGER_GO_SDK_MANIFEST_DIGEST',
  typescript: 'DAGGER_TYPESCRIPT_SDK_MANIFEST_DIGEST',
};

/** What the engine needs to load Go and TypeScript modules with the SDK content. */
export interface SdkEngineSetup {
  /** Variables to start the engine with: the manifests' digests, and the GOPROXY its Go SDK containers get. */
  readonly env: Record<string, string>;
  /**
   * A containerd content store (blobs/sha256/…) holding both images: the engine reads it at the fixed path `target`
   * inside its mount namespace, so the engine's starter must bind-mount `source` there (read-only is enough).
   */
  readonly builtinContent: { readonly source: string; readonly target: string };
}

const checked = (blob: Blob): Blob => {
  const size = existsSync(blob.path) ? statSync(blob.path).size : -1;
  if (size !== blob.size)
    throw new Error(
      `SDK content blob ${blob.path} is ${size < 0 ? 'missing' : `${size} bytes, not ${blob.size}`}: rerun sdk-content.ts --force`,
    );
  return blob;
};

/**
 * Gathers the SDK images (made by sdk-content.ts) into one content store under layout.sdk, by hard links, and returns
 * the engine's environment and where that store must appear. Run it before each engine start; it takes milliseconds.
 */
export async function sdkEngineSetup(layout: Layout): Promise<SdkEngineSetup> {
  const store = path.join(layout.sdk, 'content');
  const blobs = path.join(store, 'blobs', 'sha256');
  // containerd's local store creates ingest/ when it opens; made here, the store can be mounted read-only.
  mkdirSync(path.join(store, 'ingest'), { recursive: true });
  mkdirSync(blobs, { recursive: true });
  const env: Record<string, string> = { _DAGGER_ENGINE_SYSTEMENV_GOPROXY: GO_SDK_GOPROXY };
  const wanted = new Set<string>();
  for (const sdk of ['go', 'typescript'] as const) {
    const image = readSdkImage(layout, sdk);
    for (const blob of [image.manifest, image.config, ...image.layers].map(checked)) {
      const target = blobPath(path.join(store, 'blobs'), blob.digest);
      wanted.add(path.basename(target));
      if (!existsSync(target)) linkSync(blob.path, target);
    }
    env[manifestEnv[sdk]] = image.manifest.digest;
  }
  // Updated in place, not remade: an engine already running on this store keeps every blob it may still read.
  for (const name of readdirSync(blobs)) if (!wanted.has(name)) rmSync(path.join(blobs, name));
  return { env, builtinContent: { source: store, target: BUILTIN_CONTENT_PATH } };
}
