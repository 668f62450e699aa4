import { $ } from 'zx';

export interface Changelog {
  /** The tag the changes are counted from; undefined when there is none. */
  readonly since: string | undefined;
  /** "abc1234 subject" lines, newest first. */
  readonly entries: readonly string[];
  /** The commit being released; undefined outside a git checkout. */
  readonly head: string | undefined;
}

/**
 * Commits since the last tag reachable from HEAD, skipping the tag being released so a
 * tag-triggered CI run still lists what the tag adds. Outside git (a Dagger context
 * without .git) there is no history to tell.
 */
export async function changelogSince(cwd: string, releaseTag: string): Promise<Changelog | undefined> {
  const git = $({ cwd, quiet: true, nothrow: true });
  const head = await git`git rev-parse HEAD`;
  if (head.exitCode !== 0) return undefined;
  const tags = (await git`git tag --merged HEAD --sort=-creatordate`).stdout.split('\n').filter(Boolean);
  const since = tags.find((tag) => tag !== releaseTag);
  const range = since === undefined ? 'HEAD' : `${since}..HEAD`;
  const log = await git`git log --no-merges --pretty=format:${'%h %s'} ${range}`;
  return { since, entries: log.stdout.split('\n').filter(Boolean), head: head.stdout.trim() };
}
