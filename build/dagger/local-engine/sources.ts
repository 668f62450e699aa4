import { runScript } from './lib/cli.js';
import { sourcesStep } from './lib/sources.js';

process.exitCode = await runScript(
  {
    file: 'sources.ts',
    description: `Puts together the Dagger source tree the local engine is built from, in <cache>/src: Dagger and its Go SDK from the
Go module proxy (hashes checked against pins), the nested modules and the four dependencies the proxy refuses from
the vendored tarballs (size and SHA-256 checked), and replace directives in go.mod pointing at the latter.
Skipped when its stamp matches the pins.`,
    steps: [sourcesStep],
  },
  process.argv.slice(2),
);
