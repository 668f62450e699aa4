import { runScript } from './lib/cli.js';
import { goSdkContentStep } from './lib/sdk/go-content.js';
import { tsSdkContentStep } from './lib/sdk/ts-content.js';

process.exitCode = await runScript(
  {
    file: 'sdk-content.ts',
    description: `Makes the Go and TypeScript SDK content the engine carries built in (upstream: in the engine image),
as OCI images under <cache>/sdk; lib/sdk/engine-setup.ts hands them to the engine. Needs build.ts done first.`,
    steps: [goSdkContentStep, tsSdkContentStep],
  },
  process.argv.slice(2),
);
