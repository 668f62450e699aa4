import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

/** A content-addressed file: a layer, a config or a manifest. */
export interface Blob {
  /** sha256:<hex> of the file's bytes. */
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
  /** The file holding it, `<blobsDir>/sha256/<hex>`. */
  readonly path: string;
}

/** The parts of an image's run configuration the harness sets (OCI image config `config`). */
export interface ImageConfig {
  readonly Env?: readonly string[];
  readonly Cmd?: readonly string[];
  readonly Entrypoint?: readonly string[];
  readonly WorkingDir?: string;
  readonly User?: string;
}

/** An image whose manifest, config and layers (bottom first) are files in one blobs directory. */
export interface OciImage {
  readonly manifest: Blob;
  readonly config: Blob;
  readonly layers: readonly Blob[];
}

export const mediaTypes = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  /** Uncompressed: packing stays reproducible and fast, and the registry only stores the bytes. */
  layer: 'application/vnd.oci.image.layer.v1.tar',
} as const;

/**
 * Files newer than this (made while the image was built) get it as their mtime; older ones (as shipped in packages)
 * keep theirs, so compiled caches that record their source's mtime (Python's .pyc) stay valid. 2025-01-01T00:00:00Z.
 */
export const LAYER_MTIME = 1_735_689_600;

const hexOf = (digest: string): string => digest.replace(/^sha256:/, '');

/** Where a blob with this digest lives in a blobs directory. */
export const blobPath = (blobsDir: string, digest: string): string => path.join(blobsDir, 'sha256', hexOf(digest));

/** Moves a finished temporary file to its content address; an existing blob with that digest is the same bytes. */
async function storeAt(blobsDir: string, temp: string, hex: string, mediaType: string): Promise<Blob> {
  const file = path.join(blobsDir, 'sha256', hex);
  await rename(temp, file);
  return { digest: `sha256:${hex}`, size: (await stat(file)).size, mediaType, path: file };
}

/** Stores bytes (a config or a manifest) as a blob. */
export async function writeBlob(blobsDir: string, bytes: Buffer, mediaType: string): Promise<Blob> {
  await mkdir(path.join(blobsDir, 'sha256'), { recursive: true });
  const hex = createHash('sha256').update(bytes).digest('hex');
  const temp = path.join(blobsDir, `.tmp-${hex}-${process.pid}`);
  await writeFile(temp, bytes);
  return storeAt(blobsDir, temp, hex, mediaType);
}

/**
 * A reproducible uncompressed tar of `rootfs` (sorted, numeric owners, fixed mtime), stored under `blobsDir/sha256/<hex>`.
 * Entry names have no `./` prefix, as in Docker's layers; owners, modes, hard links, device files and file
 * capabilities are kept as they are in the tree (pack as root to read all of it).
 */
export async function packLayer(rootfs: string, blobsDir: string): Promise<Blob> {
  await mkdir(path.join(blobsDir, 'sha256'), { recursive: true });
  const entries = (await readdir(rootfs)).sort();
  const temp = path.join(blobsDir, `.tmp-layer-${process.pid}-${Date.now()}`);
  const tar = spawn(
    'tar',
    [
      '--create',
      '--file=-',
      `--directory=${rootfs}`,
      '--sort=name',
      '--numeric-owner',
      '--format=posix',
      // No atime/ctime headers: they change whenever the tree is read.
      '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
      `--mtime=@${LAYER_MTIME}`,
      '--clamp-mtime',
      '--xattrs',
      '--xattrs-include=security.capability',
      '--',
      ...entries,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  tar.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    tar.on('error', reject);
    tar.on('close', resolve);
  });
  const hash = createHash('sha256');
  tar.stdout.on('data', (chunk: Buffer) => hash.update(chunk));
  try {
    await pipeline(tar.stdout, createWriteStream(temp));
    const code = await exited;
    if (code !== 0) throw new Error(`tar of ${rootfs} exited with code ${code ?? 'unknown'}: ${stderr.trim()}`);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return storeAt(blobsDir, temp, hash.digest('hex'), mediaTypes.layer);
}

const jsonBytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

const descriptor = (blob: Blob) => ({ mediaType: blob.mediaType, digest: blob.digest, size: blob.size });

/** Config + manifest (application/vnd.oci.image.manifest.v1+json) over the given layers, bottom first, stored in blobsDir. */
export async function buildImage(layers: readonly Blob[], config: ImageConfig, blobsDir: string): Promise<OciImage> {
  // Uncompressed layers: each layer's diff ID is its digest. No `created`: the same inputs give the same config.
  const configBlob = await writeBlob(
    blobsDir,
    jsonBytes({
      architecture: 'amd64',
      os: 'linux',
      config,
      rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.digest) },
    }),
    mediaTypes.config,
  );
  const manifest = await writeBlob(
    blobsDir,
    jsonBytes({
      schemaVersion: 2,
      mediaType: mediaTypes.manifest,
      config: descriptor(configBlob),
      layers: layers.map(descriptor),
    }),
    mediaTypes.manifest,
  );
  return { manifest, config: configBlob, layers };
}

/** An OCI image layout (oci-layout, index.json naming `refName`, blobs/) at `dir`, for tools that import one. */
export async function writeOciLayout(dir: string, image: OciImage, refName: string): Promise<void> {
  const blobsDir = path.join(dir, 'blobs');
  await mkdir(path.join(blobsDir, 'sha256'), { recursive: true });
  for (const blob of [image.manifest, image.config, ...image.layers]) {
    const target = blobPath(blobsDir, blob.digest);
    if (target === blob.path || (await stat(target).catch(() => undefined))?.size === blob.size) continue;
    // Hard links when on the same file system: layers are large and never change once stored.
    await link(blob.path, target).catch(() => pipeline(createReadStream(blob.path), createWriteStream(target)));
  }
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: mediaTypes.index,
      manifests: [{ ...descriptor(image.manifest), annotations: { 'org.opencontainers.image.ref.name': refName } }],
    }),
  );
}
