import { relative, resolve } from 'node:path';
import { build } from 'esbuild';

const deviceDir = import.meta.dirname;
const rootDir = resolve(deviceDir, '..');

/** Where `npm run build:device` writes the bundle. */
export const DEFAULT_OUTFILE = resolve(deviceDir, 'dist/client.mjs');
/** The Node the appliance runs: Debian bookworm's nodejs 18. */
export const TARGET = 'node18';

export interface BuiltBundle {
  outfile: string;
  bytes: number;
  /** The `node:` modules the bundle imports: the only imports it may have. */
  builtins: string[];
}

/**
 * Bundles `device/client/index.ts` into one ES module for Node 18. Fails when the client imports anything but
 * its own files and Node's built-in modules: the appliance has no node_modules.
 */
export async function buildDeviceClient(outfile: string = DEFAULT_OUTFILE): Promise<BuiltBundle> {
  const result = await build({
    entryPoints: [resolve(deviceDir, 'client/index.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: TARGET,
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
    // Generated: ESLint has nothing to say about it (device/dist/ is also in .gitignore and .prettierignore).
    banner: {
      js: `// BorgOS device client, bundled by \`npm run build:device\` (esbuild, target ${TARGET}). Do not edit.\n/* eslint-disable */`,
    },
  });
  const clientDir = resolve(deviceDir, 'client');
  const outside = Object.keys(result.metafile.inputs).filter((input) => !resolve(rootDir, input).startsWith(`${clientDir}/`));
  const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((entry) => entry.path));
  const foreign = imports.filter((path) => !path.startsWith('node:'));
  if (outside.length > 0 || foreign.length > 0) {
    throw new Error(
      `device/client must use only its own files and node: built-ins; it also uses ${[...outside.map((file) => relative(rootDir, resolve(rootDir, file))), ...foreign].join(', ')}`,
    );
  }
  const output = Object.values(result.metafile.outputs)[0];
  return { outfile, bytes: output?.bytes ?? 0, builtins: [...new Set(imports)].sort() };
}
