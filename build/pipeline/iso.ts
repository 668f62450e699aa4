import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { outDir } from './paths.js';
import type { Stage } from './stage.js';

export const isoDir = path.join(outDir, 'ISO');

/** S2: the ISO is built by the project's own script (build/iso/build.ts); this stage only runs and checks it. */
export const isoStage: Stage = {
  id: 'S2',
  name: 'iso',
  summary: 'live-build hybrid ISO from a profile (npm run iso)',
  async run(ctx, options) {
    // --install-deps: a build host gets live-build and friends from the ISO script's own list.
    await ctx.run(
      `npm run iso -- --profile ${options.profile}`,
      ['npm', 'run', 'iso', '--', '--profile', options.profile, '--install-deps'],
      {
        env: options.isoTag === undefined ? {} : { ISO_TAG: options.isoTag },
      },
    );
    const isos = (await readdir(isoDir).catch(() => [] as string[])).filter((f) => f.endsWith('.iso'));
    const expected = options.isoTag === undefined ? undefined : `${options.isoTag}.iso`;
    if (isos.length === 0 || (expected !== undefined && !isos.includes(expected))) {
      throw new Error(`the ISO build succeeded but out/ISO/ has no ${expected ?? '*.iso'}`);
    }
    for (const iso of isos) {
      const { size } = await stat(path.join(isoDir, iso));
      ctx.say(`out/ISO/${iso}: ${(size / 2 ** 20).toFixed(1)} MiB`);
    }
  },
};
