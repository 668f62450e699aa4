import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { StageContext } from '../../../../pipeline/step.js';
import { bunPackage, TSX_VERSION } from './pins.js';

interface PackReport {
  readonly filename: string;
  readonly integrity: string;
}

/** bun from npm (the package the `bun` installer itself uses), checked against its pinned integrity; returns the binary. */
export async function fetchBun(ctx: StageContext, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const spec = `${bunPackage.name}@${bunPackage.version}`;
  const result = await ctx.run(`npm pack ${spec}`, ['npm', 'pack', '--json', '--pack-destination', dir, spec], { cwd: dir });
  const [report] = JSON.parse(result.stdout) as PackReport[];
  if (report?.integrity !== bunPackage.integrity) {
    throw new Error(`${spec} has integrity ${report?.integrity ?? 'none'}; expected the pinned ${bunPackage.integrity}`);
  }
  await ctx.run('unpack bun', [
    'tar',
    '--extract',
    '--gzip',
    '--no-same-owner',
    '--file',
    path.join(dir, report.filename),
    '--directory',
    dir,
  ]);
  const bun = path.join(dir, 'package', 'bin', 'bun');
  if (!existsSync(bun)) throw new Error(`${spec} holds no bin/bun`);
  chmodSync(bun, 0o755);
  return bun;
}

/** tsx installed as `npm install -g` lays it out (with its dependencies inside), as the node runtime mounts it. */
export async function installTsx(ctx: StageContext, prefix: string): Promise<string> {
  await ctx.run(
    `npm install -g tsx@${TSX_VERSION}`,
    ['npm', 'install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', `tsx@${TSX_VERSION}`],
    {
      cwd: path.dirname(prefix),
    },
  );
  return path.join(prefix, 'lib', 'node_modules', 'tsx');
}
