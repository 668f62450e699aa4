import { binariesStep } from './lib/binaries.js';
import { runScript } from './lib/cli.js';
import { runtimePackagesStep } from './lib/runtime-packages.js';
import { sourcesStep } from './lib/sources.js';

process.exitCode = await runScript(
  {
    file: 'build.ts',
    description: `Builds and caches everything the local Dagger engine needs, step by step, printing each step's time.
A warm run checks stamps and takes seconds.`,
    steps: [sourcesStep, binariesStep, runtimePackagesStep],
  },
  process.argv.slice(2),
);
