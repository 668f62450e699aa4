/**
 * ISO benchmark: cold build (empty package cache), warm rebuild (same inputs, cache filled),
 * no-change rebuild (inputs hash unchanged), ISO size, boot-to-ready in QEMU TCG, and whether the
 * cold and warm builds (same inputs) are bit-identical. The cold build is the baseline for ratios.
 * Usage: tsx bench/iso/build-and-boot.ts [--profile edge-iot]   (needs root, about 15 minutes)
 */
import { readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { artifactPaths } from '../../build/iso/artifacts.js';
import { bootAndCheck } from '../../build/iso/boot-check.js';
import { buildIso, REPO_ROOT, type BuildIsoResult } from '../../build/iso/build-iso.js';
import { compareIsos } from '../../build/iso/compare-isos.js';
import { loadProfile, profilePath } from '../../build/profile/load-profile.js';

const { values } = parseArgs({ options: { profile: { type: 'string', default: 'edge-iot' } }, strict: true });
const profileName = values.profile;
const tag = `borgos-${profileName}-bench`;
const benchDir = join(REPO_ROOT, 'out', 'bench');
const cacheDir = join(homedir(), '.cache', 'borgos', `iso-bench-${process.pid}`);

/** Downloads seen in a build log: debootstrap's "Retrieving" lines and apt's "Get:" lines. */
function downloads(logFile: string): { packages: number; indices: number } {
  const lines = readFileSync(logFile, 'utf8').split('\n');
  const gets = lines.filter((l) => /^(Get:\d+ |I: Retrieving )/.test(l));
  const indices = gets.filter((l) => /InRelease|Release|Packages|Sources|Translation/.test(l)).length;
  return { packages: gets.length - indices, indices };
}

async function timedBuild(
  label: string,
  outDir: string,
  force: boolean,
): Promise<BuildIsoResult & { downloads: { packages: number; indices: number } }> {
  console.error(`[bench] ${label}…`);
  const result = await buildIso({ profile: profileName, tag, outDir, cacheDir, force });
  const counted = result.rebuilt ? downloads(artifactPaths(outDir, tag).log) : { packages: 0, indices: 0 };
  return { ...result, downloads: counted };
}

rmSync(benchDir, { recursive: true, force: true });
try {
  const cold = await timedBuild('cold build (empty cache)', join(benchDir, 'cold'), true);
  const warm = await timedBuild('warm rebuild (cache filled, --force)', join(benchDir, 'warm'), true);
  const noChange = await timedBuild('no-change rebuild', join(benchDir, 'warm'), false);
  const boot = await bootAndCheck({
    iso: warm.iso,
    profile: loadProfile(profilePath(profileName)),
    serialLog: join(benchDir, `${tag}.serial.log`),
  });
  const comparison = await compareIsos(cold.iso, warm.iso, join(benchDir, 'compare'));
  if (!boot.readiness.ready) throw new Error(`boot did not reach readiness: ${JSON.stringify(boot.readiness)}`);

  const row = (name: string, seconds: number, extra = ''): string =>
    `| ${name} | ${seconds.toFixed(seconds < 10 ? 2 : 0)} s | ${(seconds / cold.seconds).toFixed(3)}× | ${extra} |`;
  const fmt = (d: { packages: number; indices: number }): string => `${d.packages} package downloads, ${d.indices} index downloads`;
  console.log(`profile ${profileName}, ${new Date().toISOString()}, live-build ${cold.record.liveBuildVersion}`);
  console.log('| measure | value | vs cold build | notes |');
  console.log('| --- | --- | --- | --- |');
  console.log(row('cold build', cold.seconds, fmt(cold.downloads)));
  console.log(row('warm rebuild', warm.seconds, fmt(warm.downloads)));
  console.log(
    row('no-change rebuild', noChange.seconds, noChange.rebuilt ? 'REBUILT (unexpected)' : 'inputs hash unchanged, nothing built'),
  );
  console.log(`| ISO size | ${(cold.record.isoBytes / 1e6).toFixed(0)} MB | | ${cold.record.isoBytes} bytes; goal ≤ 400 MB |`);
  console.log(
    `| boot to ready (BIOS, TCG) | ${(boot.readyAfterMs / 1000).toFixed(0)} s | | guest uptime ${boot.readiness.guestUptimeSeconds} s at the readiness line |`,
  );
  console.log(
    `| reproducible (cold vs warm build) | ${comparison.identical ? 'bit-identical' : 'differs'} | | ${comparison.summary}; ${comparison.differingFiles.join(', ')} |`,
  );
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
