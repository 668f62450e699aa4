import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { StageContext } from '../../../../pipeline/step.js';
import type { NpmTarball } from './pins.js';

interface PackReport {
  readonly filename: string;
  readonly integrity: string;
}

/** Downloads a package's tarball with `npm pack` into `dir` and checks its integrity against the pin; returns the file. */
export async function fetchNpmTarball(ctx: StageContext, tarball: NpmTarball, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const result = await ctx.run(`npm pack ${tarball.spec}`, ['npm', 'pack', tarball.spec, '--json', '--pack-destination', dir], {
    cwd: dir,
  });
  const [report] = JSON.parse(result.stdout) as PackReport[];
  if (!report) throw new Error(`npm pack ${tarball.spec} reported no tarball`);
  if (report.integrity !== tarball.integrity)
    throw new Error(`${tarball.spec} has integrity ${report.integrity}; expected the pinned ${tarball.integrity}`);
  return path.join(dir, report.filename);
}
