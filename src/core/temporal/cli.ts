import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Later tags carry `replace` directives and cannot be `go install`ed. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function goBinDirs(): Promise<string[]> {
  const dirs = [join(homedir(), 'go', 'bin')];
  try {
    const { stdout } = await run('go', ['env', 'GOBIN', 'GOPATH']);
    const [gobin, gopath] = stdout.split('\n');
    // Go's own order: `go install` writes to GOBIN when set, else to the first GOPATH entry's bin.
    const fromGo = [...(gobin ? [gobin] : []), ...(gopath ? gopath.split(delimiter).map((p) => join(p, 'bin')) : [])];
    dirs.unshift(...fromGo);
  } catch {
    // No Go toolchain: only the conventional dir is left to look in.
  }
  return dirs;
}

/** The `temporal` binary on PATH or in Go's bin dir, if there is one. */
export async function findTemporalCli(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const pathDirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const dir of [...pathDirs, ...(await goBinDirs())]) {
    const candidate = join(dir, 'temporal');
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export class TemporalCliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemporalCliError';
  }
}

/** Builds the CLI with `go install`; takes a few minutes the first time. */
export async function installTemporalCli(onProgress: (line: string) => void): Promise<string> {
  onProgress(`temporal CLI not found; running go install ${TEMPORAL_CLI_MODULE} (a few minutes, once)`);
  try {
    await run('go', ['install', TEMPORAL_CLI_MODULE], { maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    // A missing `go` fails to spawn with an empty stderr; then the error itself says why.
    const detail = stderr ? stderr.split('\n').slice(-3).join(' ') : (err as Error).message;
    throw new TemporalCliError(
      `could not install the temporal CLI with go install (${detail}); install Go or set BORG_TEMPORAL_CLI or TEMPORAL_ADDRESS`,
    );
  }
  const found = await findTemporalCli();
  if (!found) throw new TemporalCliError("go install succeeded but no temporal binary is in Go's bin dir");
  return found;
}

export async function ensureTemporalCli(configured: string | undefined, onProgress: (line: string) => void): Promise<string> {
  return configured ?? (await findTemporalCli()) ?? (await installTemporalCli(onProgress));
}
