import { mkdirSync, rmSync } from 'node:fs';
import type { StageContext } from '../../../../pipeline/step.js';

/**
 * Shell functions every namespaced script starts with. Everything runs under `unshare --mount --pid --fork`, so
 * the mounts (proc, a private /dev, the host's resolv.conf, overlays) vanish with the namespace: nothing is left
 * on the host, even when a command fails halfway.
 */
const prelude = String.raw`
set -eu
# A chroot's kernel file systems: proc, a /dev with only the usual character devices, tmpfs for /tmp and /run,
# and the host's resolver (bound over the tree's empty /etc/resolv.conf, so it is not written into the tree).
enter_setup() {
  root=$1
  mount -t proc proc "$root/proc"
  mount -t tmpfs -o mode=755 tmpfs "$root/dev"
  for dev in null zero full random urandom tty; do
    touch "$root/dev/$dev"
    mount --bind "/dev/$dev" "$root/dev/$dev"
  done
  ln -s /proc/self/fd "$root/dev/fd"
  mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
  mount -t tmpfs -o mode=755 tmpfs "$root/run"
  [ -e "$root/etc/resolv.conf" ] || touch "$root/etc/resolv.conf"
  mount --bind /etc/resolv.conf "$root/etc/resolv.conf"
}
`;

const namespaced = (script: string): string[] => ['unshare', '--mount', '--pid', '--fork', '--', 'sh', '-c', prelude + script];

/** Runs `script` (sh) as root inside the tree `root` (chroot), in private mount and pid namespaces. */
export async function runInChroot(ctx: StageContext, label: string, root: string, script: string): Promise<string> {
  const result = await ctx.run(label, namespaced(`enter_setup "$ROOT"\nexec chroot "$ROOT" /bin/sh -euc "$SCRIPT"`), {
    env: { ROOT: root, SCRIPT: script, LC_ALL: 'C' },
  });
  return result.stdout;
}

/** Where an overlay keeps its writable layer: `upper` gets every change, `work` is overlayfs's scratch space. */
export interface OverlayDirs {
  /** Read-only trees, top first (overlayfs's lowerdir order). */
  readonly lowers: readonly string[];
  readonly upper: string;
  readonly work: string;
  readonly merged: string;
  /** Directories (relative to the tree) to cover with tmpfs, so what is written there stays out of the layer. */
  readonly scratch?: readonly string[];
}

/**
 * Runs `script` in a chroot of an overlay over `lowers`, so that `upper` ends up holding exactly what the script
 * changed: the layer. No redirects, index or metacopy, so the upper tree stands on its own; whiteouts in it are
 * overlayfs's (0:0 character devices, opaque xattrs) until `toOciWhiteouts` converts them.
 */
export async function runInOverlay(ctx: StageContext, label: string, dirs: OverlayDirs, script: string): Promise<void> {
  for (const dir of [dirs.upper, dirs.work, dirs.merged]) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  const options = `lowerdir=${dirs.lowers.join(':')},upperdir=${dirs.upper},workdir=${dirs.work},redirect_dir=off,index=off,metacopy=off`;
  await ctx.run(
    label,
    namespaced(
      [
        'mount -t overlay overlay -o "$OPTIONS" "$ROOT"',
        'enter_setup "$ROOT"',
        'for dir in $SCRATCH; do mount -t tmpfs tmpfs "$ROOT/$dir"; done',
        'chroot "$ROOT" /bin/sh -euc "$SCRIPT"',
      ].join('\n'),
    ),
    { env: { ROOT: dirs.merged, OPTIONS: options, SCRATCH: (dirs.scratch ?? []).join(' '), SCRIPT: script, LC_ALL: 'C' } },
  );
  rmSync(dirs.work, { recursive: true, force: true });
  rmSync(dirs.merged, { recursive: true, force: true });
}
