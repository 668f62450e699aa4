import { spawn } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { StageContext } from '../../../pipeline/step.js';
import type { Layout } from './layout.js';
import type { Blob, OciImage } from './oci.js';
import { freePort } from './free-port.js';

/** A docker-registry serving `layout.registry`, until stopped. */
export interface RunningRegistry {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  stop(): Promise<void>;
}

/** Debian's docker-registry (distribution 2.8) as unpacked by the runtime-packages step. */
export const registryBinary = (layout: Layout): string => path.join(layout.runtime, 'usr', 'bin', 'docker-registry');

/**
 * The registry's config file (storage = layout.registry, listening on `listen`), written to `file`. Unlike Debian's
 * default config there is no htpasswd auth (it serves loopback or a private network namespace only) and no access log.
 */
export function writeRegistryConfig(layout: Layout, listen: string, file: string): void {
  mkdirSync(layout.registry, { recursive: true });
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      '  accesslog:',
      '    disabled: true',
      '  fields:',
      '    service: registry',
      'storage:',
      '  cache:',
      '    blobdescriptor: inmemory',
      '  filesystem:',
      `    rootdirectory: ${JSON.stringify(layout.registry)}`,
      'http:',
      `  addr: ${JSON.stringify(listen)}`,
      '  headers:',
      '    X-Content-Type-Options: [nosniff]',
      '',
    ].join('\n'),
  );
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const READY_TIMEOUT_MS = 20_000;

/** A short-lived registry on the host's loopback (free port), own process group, killed on stop or when we exit. */
export async function startRegistry(layout: Layout, ctx: StageContext): Promise<RunningRegistry> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const configDir = mkdtempSync(path.join(tmpdir(), 'borg-registry-'));
  const config = path.join(configDir, 'config.yml');
  writeRegistryConfig(layout, `127.0.0.1:${port}`, config);
  ctx.note(`$ ${registryBinary(layout)} serve ${config}  (storage ${layout.registry})`);
  const child = spawn(registryBinary(layout), ['serve', config], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      if (pid !== undefined) process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  };
  const onExit = (): void => killGroup('SIGKILL');
  process.on('exit', onExit);
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const line of chunk.toString().split('\n').filter(Boolean)) ctx.note(`registry: ${line}`);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exitCode: number | null | undefined;
  const closed = new Promise<void>((resolve) => {
    child.on('error', (error) => {
      output += String(error);
      exitCode = -1;
      resolve();
    });
    child.on('close', (code) => {
      exitCode = code;
      resolve();
    });
  });
  const stop = async (): Promise<void> => {
    killGroup('SIGTERM');
    await Promise.race([closed, sleep(5_000)]);
    killGroup('SIGKILL');
    await closed;
    process.off('exit', onExit);
    rmSync(configDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exitCode !== undefined) {
      await stop();
      throw new Error(`docker-registry exited (code ${exitCode ?? 'unknown'}) before serving: ${output.trim().split('\n').at(-1) ?? ''}`);
    }
    const ready = await fetch(`${url}/v2/`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not answer ${url}/v2/ within ${READY_TIMEOUT_MS / 1000}s`);
    }
    await sleep(100);
  }
  ctx.note(`registry serving ${layout.registry} at ${url}`);
  return { url, stop };
}

async function check(response: Response, what: string, expected: readonly number[]): Promise<Response> {
  if (expected.includes(response.status)) return response;
  const body = await response.text().catch(() => '');
  throw new Error(`${what}: HTTP ${response.status} ${body.trim().slice(0, 500)}`);
}

/** Whether the registry already holds this blob in repository `name`; true means no upload is needed. */
async function hasBlob(registryUrl: string, name: string, blob: Blob): Promise<boolean> {
  const response = await check(
    await fetch(`${registryUrl}/v2/${name}/blobs/${blob.digest}`, { method: 'HEAD' }),
    `HEAD blob ${blob.digest} in ${name}`,
    [200, 404],
  );
  return response.status === 200;
}

/** A monolithic upload: start an upload session, then PUT the whole file with its digest. */
async function uploadBlob(registryUrl: string, name: string, blob: Blob): Promise<void> {
  const started = await check(
    await fetch(`${registryUrl}/v2/${name}/blobs/uploads/`, { method: 'POST' }),
    `start upload of ${blob.digest} to ${name}`,
    [202],
  );
  const location = started.headers.get('location');
  if (!location) throw new Error(`start upload of ${blob.digest} to ${name}: no Location header`);
  const target = new URL(location, registryUrl);
  target.searchParams.set('digest', blob.digest);
  await check(
    await fetch(target, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(blob.size) },
      body: Readable.toWeb(createReadStream(blob.path)),
      duplex: 'half',
    }),
    `upload ${blob.digest} (${blob.size} bytes) to ${name}`,
    [201],
  );
}

/** Pushes blobs (skipping ones present) and the manifest as `name:tag` through the registry's HTTP API; returns the manifest digest. */
export async function pushImage(registryUrl: string, name: string, tag: string, image: OciImage): Promise<string> {
  for (const blob of [...image.layers, image.config]) {
    if (!(await hasBlob(registryUrl, name, blob))) await uploadBlob(registryUrl, name, blob);
  }
  const manifest = await readFile(image.manifest.path);
  const response = await check(
    await fetch(`${registryUrl}/v2/${name}/manifests/${tag}`, {
      method: 'PUT',
      headers: { 'Content-Type': image.manifest.mediaType },
      body: manifest,
    }),
    `put manifest ${name}:${tag}`,
    [201],
  );
  const digest = response.headers.get('docker-content-digest') ?? '';
  if (digest !== image.manifest.digest)
    throw new Error(`put manifest ${name}:${tag}: the registry stored digest ${digest || 'none'}, not ${image.manifest.digest}`);
  return digest;
}
