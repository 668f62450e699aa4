/** Why a profile file could not be read, in words: Node's own message ("EISDIR: illegal operation…") names no fix. */
const PROBLEMS: Record<string, string> = {
  EISDIR: 'is a directory; expected a profile .yaml file',
  EACCES: 'permission denied',
  ENOENT: 'no such file',
};

/** The words for a file-system error, or its own message when there are none; undefined for any other error. */
export function readProblem(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return code === undefined ? undefined : (PROBLEMS[code] ?? (error as Error).message);
}
