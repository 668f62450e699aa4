import { runScript } from './lib/cli.js';
import { runtimePackagesStep } from './lib/runtime-packages.js';

process.exitCode = await runScript(
  {
    file: 'runtime-packages.ts',
    description: `Downloads the Debian packages the engine runs at run time, with the dependencies this host lacks, and
unpacks them into <cache>/runtime with dpkg-deb -x: nothing is installed. apt works on its own lists in <cache>/apt,
leaving the host's untouched. Skipped when its stamp matches the package names; --force fetches newer versions.`,
    steps: [runtimePackagesStep],
  },
  process.argv.slice(2),
);
