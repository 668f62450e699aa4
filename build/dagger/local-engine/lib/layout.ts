import { homedir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../../pipeline/paths.js';
import { DAGGER_VERSION } from './pins.js';

/** Where every piece of the local engine lives: one directory per Dagger version, kept between runs. */
export interface Layout {
  readonly root: string;
  /** One log per step, rewritten on every run. */
  readonly logs: string;
  /** One stamp per cached piece: the hash of its inputs, written after the piece is complete. */
  readonly stamps: string;
  /** GOMODCACHE and GOCACHE: module zips and compiled packages stay with the version that needed them. */
  readonly goModCache: string;
  readonly goBuildCache: string;
  /** The writable Dagger tree the binaries are built from, and the vendored modules go.mod replaces. */
  readonly source: string;
  readonly replacements: string;
  readonly bin: string;
  /** Private apt lists and downloaded packages, so the host's apt state is not touched. */
  readonly aptLists: string;
  readonly aptCache: string;
  readonly debs: string;
  /** The runtime packages unpacked as a root tree (usr/, etc/, …). */
  readonly runtime: string;
  /** Base images: their root trees and OCI blobs while they are made (images step). */
  readonly images: string;
  /** docker-registry's storage: the images the engine pulls as docker.io, kept between runs. */
  readonly registry: string;
  /** The SDK content the engine loads modules with (Go and TypeScript), and what the engine must be told of it. */
  readonly sdk: string;
  /** The engine's own state (its cache of layers and results): kept, so a warm run does not start over. */
  readonly engineState: string;
  /** One running engine's socket, writable overlay layers and logs; emptied at each start. */
  readonly engineRun: string;
}

export function layout(root: string): Layout {
  return {
    root,
    logs: path.join(root, 'logs'),
    stamps: path.join(root, 'stamps'),
    goModCache: path.join(root, 'go', 'mod'),
    goBuildCache: path.join(root, 'go', 'build'),
    source: path.join(root, 'src', 'dagger'),
    replacements: path.join(root, 'src', 'vendor'),
    bin: path.join(root, 'bin'),
    aptLists: path.join(root, 'apt', 'lists'),
    aptCache: path.join(root, 'apt', 'cache'),
    debs: path.join(root, 'apt', 'debs'),
    runtime: path.join(root, 'runtime'),
    images: path.join(root, 'images'),
    registry: path.join(root, 'registry'),
    sdk: path.join(root, 'sdk'),
    engineState: path.join(root, 'engine', 'state'),
    engineRun: path.join(root, 'engine', 'run'),
  };
}

/** The cache of this Dagger version under `base` (--cache, BORG_DAGGER_CACHE, ~/.cache/borgos/dagger): a new version starts afresh. */
export const versionCacheDir = (base: string | undefined, env: NodeJS.ProcessEnv): string =>
  path.resolve(base || env.BORG_DAGGER_CACHE || path.join(homedir(), '.cache', 'borgos', 'dagger'), DAGGER_VERSION);

/** The vendored sources sit beside the repository in the development checkout (issue 23). */
export const vendorDir = (given: string | undefined, env: NodeJS.ProcessEnv): string =>
  path.resolve(given || env.BORG_DAGGER_VENDOR || path.join(repoRoot, '..', 'shared', 'dagger', 'vendor'));
