import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Layout } from '../layout.js';

/** Every file of the cache the running engine needs: the build step's binaries and the runtime packages' programs. */
export const enginePieces = (layout: Layout): string[] => [
  ...['engine', 'init', 'dnsname', 'dagger'].map((name) => path.join(layout.bin, name)),
  ...['bin/tini', 'bin/slirp4netns', 'bin/docker-registry', 'sbin/runc', 'sbin/dnsmasq', 'sbin/xtables-legacy-multi', 'lib/cni/bridge'].map(
    (file) => path.join(layout.runtime, 'usr', file),
  ),
];

/** The pieces not there yet: build.ts makes them. */
export const missingPieces = (layout: Layout): string[] => enginePieces(layout).filter((file) => !existsSync(file));
