import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StageContext } from '../../../../pipeline/step.js';
import type { Layout } from '../layout.js';

/** Creates `file` (and its folders) with these contents and mode. */
export function writeFileIn(root: string, file: string, contents: string | Buffer, mode = 0o644): void {
  const target = path.join(root, file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, contents);
  chmodSync(target, mode);
}

/** Copies a file into the tree at `file`, keeping it executable when `mode` says so. */
export function copyFileIn(root: string, source: string, file: string, mode = 0o755): void {
  const target = path.join(root, file);
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(source, target);
  chmodSync(target, mode);
}

/**
 * The smallest root a container runs commands in: static busybox as /bin/sh and its other applets, root's passwd
 * entry, a world-writable /tmp, and the host's CA bundle (outbound TLS passes an intercepting proxy here).
 */
export async function writeBaseRoot(ctx: StageContext, layout: Layout, root: string): Promise<void> {
  const busybox = path.join(layout.runtime, 'bin', 'busybox');
  copyFileIn(root, busybox, 'bin/busybox');
  const applets = (await ctx.run('busybox --list', [busybox, '--list'], { quiet: true })).stdout.split('\n').filter(Boolean);
  for (const applet of applets) if (applet !== 'busybox') symlinkSync('busybox', path.join(root, 'bin', applet));
  writeFileIn(root, 'etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileIn(root, 'etc/group', 'root:x:0:\n');
  copyFileIn(root, '/etc/ssl/certs/ca-certificates.crt', 'etc/ssl/certs/ca-certificates.crt', 0o644);
  mkdirSync(path.join(root, 'tmp'), { recursive: true });
  chmodSync(path.join(root, 'tmp'), 0o1777);
}
