import { spawnSync } from 'node:child_process';

/**
 * SOURCE_DATE_EPOCH for the build: the environment's if set, else the time of the last commit that
 * touched the inputs (so it only moves when they do), else now with a warning (not reproducible).
 */
export function sourceDateEpoch(
  repoRoot: string,
  inputPaths: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  warn: (m: string) => void = console.warn,
): number {
  const fromEnv = env.SOURCE_DATE_EPOCH;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!/^\d+$/.test(fromEnv))
      throw new Error(`SOURCE_DATE_EPOCH: got ${JSON.stringify(fromEnv)}; expected seconds since 1970 as a whole number`);
    return Number(fromEnv);
  }
  const git = spawnSync('git', ['log', '-1', '--format=%ct', '--', ...inputPaths], { cwd: repoRoot, encoding: 'utf8' });
  const committed = git.status === 0 ? git.stdout.trim() : '';
  if (/^\d+$/.test(committed)) return Number(committed);
  warn(
    '[iso] warning: no git history for the inputs and SOURCE_DATE_EPOCH unset; using the current time, so this build is not reproducible',
  );
  return Math.floor(Date.now() / 1000);
}
