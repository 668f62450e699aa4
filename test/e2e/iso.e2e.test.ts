import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { artifactPaths, type InputsRecord } from '../../build/iso/artifacts.js';
import { bootAndCheck } from '../../build/iso/boot-check.js';
import { REPO_ROOT } from '../../build/iso/build-iso.js';
import { compareIsos, formatComparison } from '../../build/iso/compare-isos.js';
import { loadProfile, profilePath } from '../../build/profile/load-profile.js';
import { tempDir } from '../support/stack.js';
import { runScript, type CliRun } from './run-cli.js';

const TAG = 'borgos-edge-iot-e2e';
const outRoot = join(REPO_ROOT, 'out', 'e2e');
const firstDir = join(outRoot, 'first');
const secondDir = join(outRoot, 'second');
const first = artifactPaths(firstDir, TAG);

/** The shipped edge-iot with what a real deployment adds: users with keys, one of them with sudo. */
function edgeIotWithUsers(): { file: string; keys: Record<'admin' | 'viewer', string> } {
  const dir = tempDir('e2e-profile-');
  const keyOf = (name: string): string => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `e2e-${name}`, '-f', join(dir, name)]);
    return readFileSync(join(dir, `${name}.pub`), 'utf8').trim();
  };
  const users = `users:\n  - name: admin\n    sudo: true\n    ssh_authorized_keys: ["${keyOf('admin')}"]\n  - name: viewer\n    ssh_authorized_keys: ["${keyOf('viewer')}"]\n`;
  const file = join(dir, 'edge-iot.yaml');
  writeFileSync(file, `${readFileSync(profilePath('edge-iot'), 'utf8')}${users}`);
  return { file, keys: { admin: join(dir, 'admin'), viewer: join(dir, 'viewer') } };
}

const { file: PROFILE, keys } = edgeIotWithUsers();
const profile = loadProfile(PROFILE);
const buildArgs = (outDir: string, ...extra: string[]): string[] => ['--profile', PROFILE, '--tag', TAG, '--out', outDir, ...extra];
const readRecord = (file: string): InputsRecord => JSON.parse(readFileSync(file, 'utf8')) as InputsRecord;

describe('ISO for profile edge-iot, with two users', () => {
  let build: CliRun;

  beforeAll(async () => {
    rmSync(outRoot, { recursive: true, force: true });
    mkdirSync(outRoot, { recursive: true });
    build = await runScript('build/iso/build.ts', buildArgs(firstDir));
  });

  it('builds, showing each stage as it finishes, once the package names are found in the real mirror', () => {
    expect(build.code, build.output.slice(-3000)).toBe(0);
    expect(build.output).toContain('[iso] package names checked against bookworm, bookworm-updates, bookworm-security (main, amd64)');
    for (const stage of ['config', 'bootstrap', 'chroot', 'binary']) expect(build.output).toContain(`[iso] ✓ ${stage} `);
    expect(statSync(first.iso).size).toBeLessThanOrEqual(2 * 1024 ** 3);
  });

  it('is a hybrid image with BIOS and UEFI boot entries', () => {
    const report = execFileSync('xorriso', ['-indev', first.iso, '-report_el_torito', 'plain'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(report).toMatch(/El Torito boot img\s*:\s*1\s+BIOS\s+y/);
    expect(report).toMatch(/El Torito boot img\s*:\s*2\s+UEFI\s+y/);
    const mbr = readFileSync(first.iso).subarray(510, 512);
    expect([...mbr]).toEqual([0x55, 0xaa]);
  });

  it('publishes checksums, a package manifest and an SPDX SBOM that agree with the image', () => {
    execFileSync('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: firstDir });
    const manifest = readFileSync(first.packages, 'utf8');
    for (const pkg of ['nodejs', 'openssh-server', 'nginx', 'chrony', 'live-boot']) expect(manifest).toMatch(new RegExp(`^${pkg}\\s`, 'm'));
    const sbom = JSON.parse(readFileSync(first.sbom, 'utf8')) as {
      spdxVersion: string;
      packages: { name: string; checksums?: { checksumValue: string }[]; externalRefs?: { referenceLocator: string }[] }[];
    };
    expect(sbom.spdxVersion).toBe('SPDX-2.3');
    expect(sbom.packages[0]?.checksums?.[0]?.checksumValue).toBe(readRecord(first.inputs).isoSha256);
    const nodejs = sbom.packages.find((p) => p.name === 'nodejs');
    expect(nodejs?.externalRefs?.[0]?.referenceLocator).toMatch(/^pkg:deb\/debian\/nodejs@18\./);
    expect(sbom.packages.length - 1).toBe(manifest.trim().split('\n').length);
  });

  it.each([
    ['bios', 'admin', true],
    ['uefi', 'viewer', false],
  ] as const)(
    'boots (%s) to multi-user with every profile service active and reachable; %s logs in with a key, sudo %s',
    async (firmware, user, sudo) => {
      const login = { user, keyFile: keys[user] };
      const report = await bootAndCheck({
        iso: first.iso,
        profile,
        firmware,
        serialLog: join(outRoot, `${TAG}.${firmware}.serial.log`),
        login,
      });
      console.log(`[e2e] ${firmware}: ready after ${(report.readyAfterMs / 1000).toFixed(1)}s; ${JSON.stringify(report.readiness)}`);
      expect(report.readiness.ready).toBe(true);
      expect(report.readiness.multiUser).toBe('active');
      const units = profile.services.flatMap((s) => s.units ?? []).filter((u) => u !== 'borg-ready.service');
      expect(Object.keys(report.readiness.units).sort()).toEqual([...units].sort());
      for (const unit of units) expect(report.readiness.units[unit], unit).toBe('active');
      expect(report.readiness.node).toMatch(/^v18\./);
      expect(report.probes.map((p) => p.service).sort()).toEqual(['nginx', 'ssh']);
      for (const probe of report.probes) expect(probe.ok, `${probe.service}: ${probe.detail}`).toBe(true);
      const inputsHash = readRecord(first.inputs).inputsHash;
      expect(report.profileFile).toMatchObject({ PROFILE: 'edge-iot', INPUTS_HASH: inputsHash, HOSTNAME: 'borgos-edge' });
      expect(report.readiness.inputsHash).toBe(inputsHash);
      expect(report.loginPrompt).toBe(true);
      expect(report.login).toMatchObject({ user, ok: true, sudo });
    },
  );

  it('does nothing when neither the profile nor the builder changed', async () => {
    const before = statSync(first.iso).mtimeMs;
    const again = await runScript('build/iso/build.ts', buildArgs(firstDir));
    expect(again.code).toBe(0);
    expect(again.output).toContain(`${TAG} is up to date`);
    expect(again.output).not.toContain('[iso] ✓ bootstrap');
    expect(statSync(first.iso).mtimeMs).toBe(before);
  });

  it('rebuilds the same inputs and reports any difference between the two images', async () => {
    const rebuild = await runScript('build/iso/build.ts', buildArgs(secondDir, '--force'));
    expect(rebuild.code, rebuild.output.slice(-3000)).toBe(0);
    const second = artifactPaths(secondDir, TAG);
    expect(readRecord(second.inputs).inputsHash).toBe(readRecord(first.inputs).inputsHash);
    expect(readFileSync(second.packages, 'utf8')).toBe(readFileSync(first.packages, 'utf8'));

    const comparison = await compareIsos(first.iso, second.iso, join(outRoot, 'compare'));
    const text = formatComparison(comparison);
    writeFileSync(join(outRoot, 'reproducibility.txt'), text);
    console.log(`[e2e] reproducibility (also in out/e2e/reproducibility.txt):\n${text}`);
    expect(comparison.sha256[0]).toBe(readRecord(first.inputs).isoSha256);
    expect(comparison.identical).toBe(comparison.differingFiles.length === 0 && comparison.sha256[0] === comparison.sha256[1]);
  });
});
