/** `npm run build:device`: the device client library as one ES module for the appliance's Node 18. */
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_OUTFILE, TARGET, buildDeviceClient } from './build-client.js';

const usage = `usage: npm run build:device [-- --outfile FILE]

Bundles device/client/index.ts with esbuild into one ES module (platform node, target ${TARGET}) that imports
only node: built-ins, for Debian bookworm's Node 18 on the appliance.

options:
  --outfile FILE   where to write it (default ${relative(process.cwd(), DEFAULT_OUTFILE)})
  -h, --help       show this help`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { outfile: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const bundle = await buildDeviceClient(values.outfile ? resolve(values.outfile) : DEFAULT_OUTFILE);
  console.log(`${relative(process.cwd(), bundle.outfile)}: ${bundle.bytes} bytes, target ${TARGET}, imports ${bundle.builtins.join(', ')}`);
  return 0;
}

const isUsageError = (error: unknown): error is TypeError =>
  error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS');

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}${isUsageError(error) ? '; see --help' : ''}`);
    process.exitCode = isUsageError(error) ? 2 : 1;
  },
);
