// Runs before `npm start` and `npm test`: installs dependencies on a fresh clone, or when the
// lockfile changed since the last install, so those two commands are the only set-up needed.
// Plain JavaScript because nothing is installed yet when it runs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';

// The lockfile's hash as of the last install that succeeded. A hash, not a time: a checkout or a copy touches the
// lockfile without changing it, and an install must not be skipped because node_modules happens to look newer.
const STAMP = 'node_modules/.borg-lockfile-sha256';

const read = (file) => {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
};

const lockfileHash = () => {
  const lockfile = read('package-lock.json');
  return lockfile && createHash('sha256').update(lockfile).digest('hex');
};

const mtime = (file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs;

/** A plain `npm install` ran after the lockfile last changed: npm's own record of it is newer. */
function npmInstalledSinceLockfile() {
  const installed = mtime('node_modules/.package-lock.json');
  const lockfile = mtime('package-lock.json');
  return installed !== undefined && lockfile !== undefined && installed >= lockfile;
}

const wanted = lockfileHash();
const stamp = read(STAMP)?.toString();
// No stamp yet, but npm installed since the lockfile changed: that install stands, and is stamped, rather than repeated.
if (wanted !== undefined && stamp === undefined && npmInstalledSinceLockfile()) writeFileSync(STAMP, wanted);
else if (wanted === undefined || stamp !== wanted) {
  console.error('borg: installing npm dependencies (first run or lockfile changed)…');
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('borg: npm install failed; fix the error above and run it again');
    process.exit(result.status ?? 1);
  }
  // Hashed again: the install may have written the lockfile.
  writeFileSync(STAMP, lockfileHash() ?? '');
}
