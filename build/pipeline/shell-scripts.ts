import { readdir, open } from 'node:fs/promises';
import path from 'node:path';

/** Directories that hold no source of ours: dependencies, outputs, generated SDKs. */
const skippedDirs = new Set(['node_modules', '.git', 'out', 'data', 'artifacts', 'coverage', '.build', 'sdk']);
const shellShebang = /^#!\s*(?:\/usr)?\/bin\/(?:env\s+)?(?:ba|da)?sh\b/;

async function startsWithShellShebang(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(64);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return shellShebang.test(buffer.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await handle.close();
  }
}

/**
 * Every shell script under root: by extension, or by a sh/bash/dash shebang, which catches
 * .ci/run and live-build hooks (*.hook.chroot). Returned relative to root, sorted.
 */
export async function findShellScripts(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skippedDirs.has(entry.name)) await walk(full);
      } else if (entry.isFile()) {
        const ext = path.extname(entry.name);
        if (ext === '.sh' || ext === '.bash' || (await startsWithShellShebang(full))) {
          found.push(path.relative(root, full));
        }
      }
    }
  };
  await walk(root);
  return found.sort();
}
