import { buildSteps } from './lib/harness/build-steps.js';
import { runScript } from './lib/cli.js';

process.exitCode = await runScript(
  {
    file: 'build.ts',
    description: `Builds and caches everything the local Dagger engine needs, step by step, printing each step's time:
the engine's binaries and runtime, the base images in its registry, and the SDK content. A warm run checks stamps
and takes seconds. Needs root (debootstrap, chroot and mount namespaces for the images and the SDK content).`,
    steps: buildSteps,
  },
  process.argv.slice(2),
);
