import path from 'node:path';
import { goEnv } from './go.js';
import { goTargets, versionLdflags } from './pins.js';
import { sourcesStamp } from './sources.js';
import { clearStamp, isFresh, stampedKey, stampKey, writeStamp } from './stamp.js';
import type { Step } from './step.js';

/** The engine's toolchain, each binary built only when its sources, the Go version or its build flags changed. */
export const binariesStep: Step = {
  name: 'binaries',
  summary: `go build ${goTargets.map((target) => target.name).join(', ')} into <cache>/bin`,
  options: ['jobs'],
  async run(layout, options, ctx) {
    const sources = stampedKey(sourcesStamp(layout));
    if (sources === undefined) throw new Error(`the sources are not ready (no stamp ${sourcesStamp(layout)}): run the sources step first`);
    const env = goEnv(layout, options.jobs);
    const goVersion = (
      await ctx.run('go env GOVERSION', ['go', 'env', 'GOVERSION'], { cwd: layout.source, env, quiet: true })
    ).stdout.trim();
    for (const target of goTargets) {
      const output = path.join(layout.bin, target.name);
      const stamp = path.join(layout.stamps, `bin-${target.name}.json`);
      const key = stampKey({ sources, goVersion, target, versionLdflags });
      if (!options.force && isFresh(stamp, key)) {
        ctx.say(`up to date: ${output}`);
        continue;
      }
      clearStamp(stamp);
      const command = ['go', 'build', ...(options.jobs === undefined ? [] : ['-p', String(options.jobs)])];
      if (target.tags.length > 0) command.push('-tags', target.tags.join(','));
      command.push('-ldflags', versionLdflags, '-o', output, target.pkg);
      await ctx.run(`go build ${target.pkg}`, command, {
        cwd: layout.source,
        env: { ...env, ...(target.static ? { CGO_ENABLED: '0' } : {}) },
      });
      writeStamp(stamp, key, [output]);
    }
  },
};
