// Runs before `npm start` and `npm test`: installs dependencies on a fresh clone, or when the
// lockfile changed since the last install, so those two commands are the only set-up needed.
// Plain JavaScript because nothing is installed yet when it runs.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
};

const installed = mtime('node_modules/.package-lock.json');
const wanted = mtime('package-lock.json');
if (installed === undefined || (wanted !== undefined && wanted > installed)) {
  console.error('borg: installing npm dependencies (first run or lockfile changed)…');
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('borg: npm install failed; fix the error above and run it again');
    process.exit(result.status ?? 1);
  }
}
