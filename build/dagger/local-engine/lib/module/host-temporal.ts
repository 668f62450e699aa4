import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The host's Temporal CLI, handed to `dagger call test` and `image` so that the module need not compile it in a
 * container (minutes on two cores): BORG_TEMPORAL_CLI, else `temporal` on PATH, else Go's bin directory.
 * Undefined: the module builds its own.
 */
export function hostTemporalCli(env: NodeJS.ProcessEnv): string | undefined {
  if (env.BORG_TEMPORAL_CLI) return env.BORG_TEMPORAL_CLI;
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'temporal');
    if (existsSync(candidate)) return candidate;
  }
  const gopath = spawnSync('go', ['env', 'GOPATH'], { encoding: 'utf8' });
  const fromGo = gopath.status === 0 ? path.join(gopath.stdout.trim(), 'bin', 'temporal') : undefined;
  return fromGo !== undefined && existsSync(fromGo) ? fromGo : undefined;
}
