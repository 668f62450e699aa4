/** One problem in a profile or catalog file, located so an editor can jump to it. */
export interface ProfileIssue {
  file: string;
  line: number;
  col: number;
  message: string;
}

export function formatIssue(issue: ProfileIssue): string {
  return `${issue.file}:${issue.line}:${issue.col}: ${issue.message}`;
}

/** Thrown when a profile or service file is invalid; the message lists every issue found. */
export class ProfileError extends Error {
  readonly issues: readonly ProfileIssue[];

  constructor(issues: readonly ProfileIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ProfileError';
    this.issues = issues;
  }
}
