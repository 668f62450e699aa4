import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** OCI's marker for "this name is deleted" is an empty file named `.wh.<name>`; for "hide everything below", this one. */
export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

/** Node reads no extended attributes: Debian's python3 lists the directories overlayfs marked opaque. */
const opaqueDirs = (upper: string): string[] =>
  execFileSync(
    '/usr/bin/python3',
    [
      '-I',
      '-c',
      `import os, sys
for d, _, _ in os.walk(sys.argv[1]):
    try:
        if os.getxattr(d, 'trusted.overlay.opaque') == b'y': print(d)
    except OSError:
        pass`,
      upper,
    ],
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter(Boolean);

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    yield full;
    if (entry.isDirectory()) yield* walk(full);
  }
}

/**
 * Rewrites an overlayfs upper tree into an OCI layer tree: each whiteout (a 0:0 character device) becomes an empty
 * `.wh.<name>` file, each opaque directory that hides one in `lowers` gets a `.wh..wh..opq` file (overlayfs also
 * marks directories it created afresh, which hide nothing). Returns the paths deleted, relative to `upper`.
 */
export function toOciWhiteouts(upper: string, lowers: readonly string[]): string[] {
  const deleted: string[] = [];
  for (const dir of opaqueDirs(upper)) {
    const relative = path.relative(upper, dir);
    if (lowers.some((lower) => existsSync(path.join(lower, relative)))) {
      writeFileSync(path.join(dir, OPAQUE_MARKER), '');
      deleted.push(`${relative}/*`);
    }
  }
  for (const file of [...walk(upper)]) {
    const stat = lstatSync(file);
    if (!stat.isCharacterDevice() || stat.rdev !== 0) continue;
    unlinkSync(file);
    writeFileSync(path.join(path.dirname(file), WHITEOUT_PREFIX + path.basename(file)), '');
    deleted.push(path.relative(upper, file));
  }
  return deleted;
}
