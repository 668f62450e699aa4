import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Layout } from '../layout.js';
import { writeRegistryConfig } from '../registry.js';

/** Where the in-namespace registry listens; the engine's config names it as docker.io's mirror. */
export const REGISTRY_ADDRESS = 'localhost:5000';

/** A host directory the engine must see at another path inside its namespace (read-only). */
export interface Bind {
  readonly source: string;
  /** Absolute path inside the namespace, under /usr, /etc, /opt, /var or /run: there, making it changes no host file. */
  readonly target: string;
}

/** The files one engine run uses, all under `layout.engineRun`. */
export interface RunFiles {
  /** The engine's API socket, outside the overlaid trees so the CLI on the host reaches it. */
  readonly socket: string;
  /** buildkit's config (--config): registry mirror and cgroup parent. */
  readonly buildkitConfig: string;
  /** Held by every process of the namespace; free once they are all gone. */
  readonly lock: string;
}

/** Trees the namespace overlays (tmpfs for /run): what is made under them stays in there. */
const OVERLAID_TREES = ['/usr', '/etc', '/opt', '/var', '/run'];
/** Trees the namespace overlays or replaces: a path under one of them would be invisible from the host. */
const HIDDEN_TREES = [...OVERLAID_TREES, '/proc'];

const under = (dir: string, tree: string): boolean => dir === tree || dir.startsWith(`${tree}/`);

/** Refuses cache paths the namespace would hide: the engine would write its state and socket into a throwaway layer. */
export function checkVisible(layout: Layout): void {
  for (const dir of [layout.engineRun, layout.engineState, layout.registry]) {
    const tree = HIDDEN_TREES.find((hidden) => under(path.resolve(dir), hidden));
    if (tree) throw new Error(`${dir} is under ${tree}, which the engine's namespace overlays; use a cache elsewhere (--cache)`);
  }
}

/**
 * Symlinks placing our binaries where the engine looks (engine/distconsts: /usr/local/bin/runc, dagger-init, tini;
 * buildkit's CNI directory /opt/cni/bin with the dnsname plugin; /usr/bin/xtables-*-multi, which the engine links
 * iptables to, while Debian ships them in /usr/sbin). Lower layer of the namespace's overlays, so they resolve inside.
 */
function writeLayers(layout: Layout, layers: string): void {
  const runtime = (...parts: string[]): string => path.join(layout.runtime, 'usr', ...parts);
  const cniPlugins = path.join(layout.runtime, 'usr', 'lib', 'cni');
  const links: [string, string][] = [
    ['usr/local/bin/runc', runtime('sbin', 'runc')],
    ['usr/local/bin/tini', runtime('bin', 'tini')],
    ['usr/local/bin/dagger-init', path.join(layout.bin, 'init')],
    ['usr/bin/xtables-legacy-multi', runtime('sbin', 'xtables-legacy-multi')],
    ['usr/bin/xtables-nft-multi', runtime('sbin', 'xtables-nft-multi')],
    ['opt/cni/bin/dnsname', path.join(layout.bin, 'dnsname')],
    ...readdirSync(cniPlugins).map((plugin): [string, string] => [`opt/cni/bin/${plugin}`, path.join(cniPlugins, plugin)]),
  ];
  for (const [link, target] of links) {
    mkdirSync(path.dirname(path.join(layers, link)), { recursive: true });
    symlinkSync(target, path.join(layers, link));
  }
}

/**
 * buildkit's config: docker.io pulls go to the in-namespace registry over plain HTTP, and containers' cgroups go
 * under `cgroupParent` (instead of buildkit's shared `/buildkit`) so that the janitor can remove exactly them.
 */
const buildkitConfig = (cgroupParent: string): string =>
  [
    '[registry."docker.io"]',
    `  mirrors = [${JSON.stringify(REGISTRY_ADDRESS)}]`,
    '  http = true',
    '',
    `[registry.${JSON.stringify(REGISTRY_ADDRESS)}]`,
    '  http = true',
    '',
    '[worker.oci]',
    `  defaultCgroupParent = ${JSON.stringify(cgroupParent)}`,
    '',
  ].join('\n');

/** The binds as namespace.sh reads them: one `source<TAB>target` line each; paths that would break that are refused. */
function bindLines(binds: readonly Bind[]): string {
  for (const { source, target } of binds) {
    if (/[\t\n]/.test(source + target)) throw new Error(`bind ${source} -> ${target}: a tab or newline in a path is not supported`);
    if (!path.isAbsolute(source) || !path.isAbsolute(target)) throw new Error(`bind ${source} -> ${target}: both paths must be absolute`);
    if (!existsSync(source)) throw new Error(`bind ${source} -> ${target}: ${source} does not exist`);
    if (!OVERLAID_TREES.some((tree) => under(path.resolve(target), tree) && path.resolve(target) !== tree))
      throw new Error(
        `bind ${source} -> ${target}: the target must be under ${OVERLAID_TREES.join(', ')}, whose changes stay in the namespace`,
      );
  }
  return binds.map(({ source, target }) => `${source}\t${target}\n`).join('');
}

/** Empties `layout.engineRun` and writes what one run needs: the layers, the binds, the engine's and the registry's configs. */
export function prepareRunDir(layout: Layout, cgroupParent: string, binds: readonly Bind[]): RunFiles {
  const lines = bindLines(binds);
  const run = layout.engineRun;
  rmSync(run, { recursive: true, force: true });
  mkdirSync(run, { recursive: true });
  mkdirSync(layout.engineState, { recursive: true });
  writeLayers(layout, path.join(run, 'layers'));
  const files: RunFiles = {
    socket: path.join(run, 'engine.sock'),
    buildkitConfig: path.join(run, 'buildkitd.toml'),
    lock: path.join(run, 'namespace.lock'),
  };
  writeFileSync(files.lock, '');
  writeFileSync(path.join(run, 'binds'), lines);
  // sun_path holds 108 bytes with its terminating NUL.
  if (Buffer.byteLength(files.socket) > 107)
    throw new Error(`socket path ${files.socket} is longer than a unix socket allows (107 bytes); use a shorter --cache`);
  writeFileSync(files.buildkitConfig, buildkitConfig(cgroupParent));
  // 127.0.0.1 of the engine's own network namespace: nothing on the host can reach it.
  writeRegistryConfig(layout, `127.0.0.1:${REGISTRY_ADDRESS.split(':')[1] ?? '5000'}`, path.join(run, 'registry.yml'));
  return files;
}
