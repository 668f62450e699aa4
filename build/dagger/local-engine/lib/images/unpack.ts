import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { mediaTypes } from '../oci.js';
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from './whiteouts.js';

interface Manifest {
  readonly config: { readonly digest: string };
  readonly layers: readonly { readonly digest: string }[];
}

/** What an image's config blob holds that a caller checks: its run configuration. */
export interface PulledImage {
  readonly digest: string;
  readonly layers: readonly string[];
  readonly config: { readonly Env?: string[]; readonly Cmd?: string[]; readonly WorkingDir?: string };
}

async function get(url: string, accept?: string): Promise<Response> {
  const response = await fetch(url, accept ? { headers: { Accept: accept } } : {});
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response;
}

/** Runs tar with `args`, feeding it `input`; rejects with its stderr when it fails. */
async function tar(args: readonly string[], input: Readable): Promise<string> {
  const child = spawn('tar', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const closed = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  await pipeline(input, child.stdin);
  const code = await closed;
  if (code !== 0) throw new Error(`tar ${args.join(' ')} exited with ${code ?? 'a signal'}: ${stderr.trim()}`);
  return stdout;
}

/** Applies one layer's whiteouts (from its list of names) to the tree below it, as a container runtime would. */
function applyWhiteouts(rootfs: string, names: readonly string[]): void {
  for (const name of names) {
    const base = path.basename(name);
    const dir = path.join(rootfs, path.dirname(name));
    if (base === OPAQUE_MARKER) {
      if (existsSync(dir)) for (const entry of readdirSync(dir)) rmSync(path.join(dir, entry), { recursive: true, force: true });
    } else if (base.startsWith(WHITEOUT_PREFIX)) {
      rmSync(path.join(dir, base.slice(WHITEOUT_PREFIX.length)), { recursive: true, force: true });
    }
  }
}

/**
 * Pulls `name:tag` from a registry through its HTTP API and unpacks its layers, bottom first, into `rootfs` (owners
 * kept: run as root), applying whiteouts; returns the manifest digest, layer digests and run configuration.
 */
export async function pullRootfs(registryUrl: string, name: string, tag: string, rootfs: string): Promise<PulledImage> {
  const response = await get(`${registryUrl}/v2/${name}/manifests/${tag}`, mediaTypes.manifest);
  const manifest = (await response.json()) as Manifest;
  const config = (await (await get(`${registryUrl}/v2/${name}/blobs/${manifest.config.digest}`)).json()) as {
    config: PulledImage['config'];
  };
  mkdirSync(rootfs, { recursive: true });
  for (const layer of manifest.layers) {
    const url = `${registryUrl}/v2/${name}/blobs/${layer.digest}`;
    const body = async (): Promise<Readable> => Readable.fromWeb((await get(url)).body as WebReadableStream);
    const names = (await tar(['-t', '-f', '-'], await body())).split('\n').filter(Boolean);
    applyWhiteouts(rootfs, names);
    await tar(
      [
        '-x',
        '-f',
        '-',
        '-C',
        rootfs,
        '--numeric-owner',
        '--xattrs',
        '--xattrs-include=security.capability',
        `--exclude=${WHITEOUT_PREFIX}*`,
      ],
      await body(),
    );
  }
  return {
    digest: response.headers.get('docker-content-digest') ?? '',
    layers: manifest.layers.map((layer) => layer.digest),
    config: config.config,
  };
}
