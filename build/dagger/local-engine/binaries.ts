import { binariesStep } from './lib/binaries.js';
import { runScript } from './lib/cli.js';

process.exitCode = await runScript(
  {
    file: 'binaries.ts',
    description: `Builds the local engine's toolchain from the source tree (run sources.ts first) into <cache>/bin, with
the version linked in. Each binary is skipped when its stamp matches the sources, the Go version and its flags.
The engine's link needs about 2 GB of memory.`,
    steps: [binariesStep],
  },
  process.argv.slice(2),
);
