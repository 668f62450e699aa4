import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Layout } from './layout.js';
import { runtimePackages } from './pins.js';
import { clearStamp, isFresh, stampKey, writeStamp } from './stamp.js';
import type { Step } from './step.js';

/** The packages `apt-get --simulate install` would add: the named ones and the dependencies this host lacks. */
export const simulatedInstalls = (output: string): string[] =>
  [...output.matchAll(/^Inst (\S+)/gm)].map((match) => match[1] ?? '').filter(Boolean);

/**
 * apt pointed at lists and caches inside the cache directory: the host's package lists and caches stay as they were,
 * and no apt run of the host (or of a parallel ISO build) is blocked by our lock. Sandbox user root: `_apt` cannot
 * write into root's cache directory, and apt would say so on every download.
 */
const aptOptions = (layout: Layout): string[] => [
  '-q',
  '-o',
  `Dir::State::Lists=${layout.aptLists}`,
  '-o',
  `Dir::Cache=${layout.aptCache}`,
  '-o',
  'APT::Sandbox::User=root',
];

/** The engine's run-time programs from Debian, downloaded and unpacked into `<cache>/runtime`; nothing is installed. */
export const runtimePackagesStep: Step = {
  name: 'runtime-packages',
  summary: `apt-get download and dpkg-deb -x ${runtimePackages.join(', ')} into <cache>/runtime`,
  options: [],
  async run(layout, options, ctx) {
    const stamp = path.join(layout.stamps, 'runtime-packages.json');
    const architecture = (
      await ctx.run('dpkg --print-architecture', ['dpkg', '--print-architecture'], { cwd: layout.root, quiet: true })
    ).stdout.trim();
    // By name, not version: a warm run must not wait for apt-get update. --force picks up newer packages.
    const key = stampKey({ runtimePackages, architecture });
    if (!options.force && isFresh(stamp, key)) return ctx.say(`up to date: ${layout.runtime}`);
    clearStamp(stamp);

    const apt = aptOptions(layout);
    for (const dir of [layout.debs, layout.runtime]) rmSync(dir, { recursive: true, force: true });
    for (const dir of [
      path.join(layout.aptLists, 'partial'),
      path.join(layout.aptCache, 'archives', 'partial'),
      layout.debs,
      layout.runtime,
    ])
      mkdirSync(dir, { recursive: true });
    await ctx.run('apt-get update (private lists)', ['apt-get', ...apt, 'update'], { cwd: layout.root });
    // The libraries the named packages need and the host lacks; the engine runs over the host's /usr, which has the rest.
    const simulation = await ctx.run(
      'resolve dependencies the host lacks',
      ['apt-get', ...apt, '--simulate', '--no-install-recommends', 'install', ...runtimePackages],
      { cwd: layout.root, env: { LC_ALL: 'C' } },
    );
    const packages = [...new Set([...runtimePackages, ...simulatedInstalls(simulation.stdout)])];
    await ctx.run(`apt-get download (${packages.length} packages)`, ['apt-get', ...apt, 'download', ...packages], { cwd: layout.debs });
    const debs = readdirSync(layout.debs)
      .filter((file) => file.endsWith('.deb'))
      .sort();
    for (const deb of debs)
      await ctx.run(`dpkg-deb -x ${deb}`, ['dpkg-deb', '--extract', deb, layout.runtime], { cwd: layout.debs, quiet: true });
    ctx.say(`unpacked ${debs.join(' ')}`);
    writeStamp(stamp, key, [layout.runtime]);
  },
};
