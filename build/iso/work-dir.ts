import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Mount points at or below `dir` (a crashed live-build can leave /proc, /sys, /dev mounted in its chroot). */
function mountsBelow(dir: string): string[] {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => (line.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((mountPoint) => mountPoint === dir || mountPoint.startsWith(`${dir}/`));
}

/** Empties a previous build directory, letting live-build unmount its chroot first; refuses to delete through mounts. */
export function resetWorkDir(workDir: string, cacheDir: string): void {
  if (existsSync(join(workDir, 'config'))) {
    execFileSync('lb', ['clean', '--all'], { cwd: workDir, stdio: 'ignore' });
  }
  const mounted = mountsBelow(workDir);
  if (mounted.length > 0)
    throw new Error(`refusing to delete ${workDir}: still mounted: ${mounted.join(', ')}; unmount them (umount -R) and retry`);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  mkdirSync(cacheDir, { recursive: true });
  // live-build keeps downloaded packages and the bootstrap stage in ./cache; point it outside the build.
  symlinkSync(cacheDir, join(workDir, 'cache'));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * One build per package cache at a time: live-build's cache save/restore is not safe to run
 * concurrently. A second build waits (polling) for the first; a lock left by a dead process is taken over.
 */
export async function lockCache(
  cacheDir: string,
  say: (line: string) => void,
  { timeoutMs = 90 * 60_000, pollMs = 5000 } = {},
): Promise<() => void> {
  const lockFile = `${cacheDir}.lock`;
  mkdirSync(join(cacheDir, '..'), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => unlinkSync(lockFile);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lockFile, 'utf8'));
      if (!alive(holder)) {
        unlinkSync(lockFile);
        continue;
      }
      if (Date.now() >= deadline)
        throw new Error(`gave up after ${timeoutMs / 60_000} min waiting for build pid ${holder}, which holds ${lockFile}`, {
          cause: error,
        });
      if (!announced) say(`[iso] waiting for another build (pid ${holder}) that is using the cache ${cacheDir}`);
      announced = true;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}
