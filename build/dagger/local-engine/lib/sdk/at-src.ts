import { mkdirSync } from 'node:fs';
import type { StageContext } from '../../../../pipeline/step.js';

/**
 * Builds, in a private mount namespace, a root that shows the host's whole tree (each top-level folder bind-mounted,
 * each top-level link copied) plus `tree` at /src, and runs the command there from /src. bun embeds the absolute
 * paths of what it compiles, and the TypeScript runtime expects /src; the host has no /src and is left untouched:
 * every mount dies with the namespace.
 */
const script = `set -eu
root=$1 tree=$2
shift 2
mount -t tmpfs -o mode=0755 borgos-at-src "$root"
for entry in /*; do
  name=\${entry#/}
  if [ "$name" = src ]; then continue; fi
  if [ -L "$entry" ]; then ln -s "$(readlink "$entry")" "$root/$name"
  elif [ -d "$entry" ]; then mkdir "$root/$name" && mount --rbind "$entry" "$root/$name"
  fi
done
mkdir "$root/src"
mount --bind "$tree" "$root/src"
exec chroot "$root" /bin/sh -c 'cd /src && exec "$@"' sh "$@"
`;

/** Runs `command` with `tree` at /src (see above); `mountPoint` is an empty folder of the harness's the new root is made on. */
export async function runAtSrc(
  ctx: StageContext,
  label: string,
  mountPoint: string,
  tree: string,
  command: readonly string[],
  env: Record<string, string> = {},
): Promise<void> {
  mkdirSync(mountPoint, { recursive: true });
  await ctx.run(label, ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', mountPoint, tree, ...command], {
    env,
  });
}
