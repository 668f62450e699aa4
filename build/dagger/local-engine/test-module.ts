import { buildSteps } from './lib/harness/build-steps.js';
import { runScript } from './lib/cli.js';
import { EngineSession } from './lib/module/session.js';
import { moduleSteps } from './lib/module/steps.js';

const session = new EngineSession();

process.exitCode = await runScript(
  {
    file: 'test-module.ts',
    description: `npm run test:dagger: runs this checkout's Dagger module on a local Dagger engine built from source.
Builds (or finds cached) the engine, its runtime, the base images and the SDK content; starts the engine in private
namespaces; then dagger functions, dagger call lint and test (their artifacts exported to out/dagger/ and checked)
and dagger call image (its container's /health). The engine is stopped at the end, however the run ends, and
leaves nothing on the host. Needs root.`,
    steps: [...buildSteps, session.startStep, ...moduleSteps(session)],
    cleanup: () => session.stop(),
  },
  process.argv.slice(2),
);
