import type { Profile } from '../profile/load-profile.js';
import { probeService, type ProbeResult } from './probes.js';
import { startVm, type Firmware } from './qemu-vm.js';
import { checkLogin, checkSshLogin, SSH_PORT, type LoginResult, type SshLogin } from './ssh-login.js';

/** What borg-ready printed on the serial console. */
export interface Readiness {
  ready: boolean;
  profile: string;
  inputsHash: string;
  multiUser: string;
  node: string;
  units: Record<string, string>;
  guestUptimeSeconds: number;
}

export interface BootReport {
  firmware: Firmware;
  /** Wall time from starting QEMU to the readiness line. */
  readyAfterMs: number;
  readiness: Readiness;
  /** /etc/borgos/profile on the booted system, as borg-ready echoed it. */
  profileFile: Record<string, string>;
  loginPrompt: boolean;
  probes: ProbeResult[];
  /** Present when a login was asked for. */
  login?: LoginResult;
  serialLog: string;
}

const READY_LINE = /BORGOS-(NOT-)?READY profile=/;

export function parseReadiness(line: string): Readiness {
  const text = line.slice(line.search(/BORGOS-/));
  const field = (name: string): string => new RegExp(`(?:^|\\s)${name.replace('.', '\\.')}[=:](\\S*)`).exec(text)?.[1] ?? '';
  const units = Object.fromEntries(
    field('units')
      .split(',')
      .filter(Boolean)
      .map((entry) => entry.split(':') as [string, string]),
  );
  return {
    ready: text.startsWith('BORGOS-READY'),
    profile: field('profile'),
    inputsHash: field('inputs'),
    multiUser: field('multi-user.target'),
    node: field('node'),
    units,
    guestUptimeSeconds: Number.parseFloat(field('uptime')),
  };
}

/** KEY='value' lines of /etc/borgos/profile, echoed by borg-ready with a `borgos-profile: ` prefix. */
export function parseProfileFile(lines: readonly string[]): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const line of lines) {
    const match = /borgos-profile: ([A-Z_]+)=(.*)$/.exec(line);
    if (match?.[1]) entries[match[1]] = (match[2] ?? '').replace(/^'(.*)'$/, '$1').replaceAll(`'\\''`, "'");
  }
  return entries;
}

export interface BootCheckOptions {
  iso: string;
  profile: Profile;
  serialLog: string;
  firmware?: Firmware;
  timeoutMs?: number;
  /** Also log in over SSH as this profile user, with this private key, and check what sudo allows. */
  login?: SshLogin;
}

/** Boots the ISO, waits for borg-ready's line, probes every service port from the host (and logs in, if asked), then powers off. */
export async function bootAndCheck(options: BootCheckOptions): Promise<BootReport> {
  if (options.login) checkLogin(options.profile, options.login);
  const probes = options.profile.services.flatMap((s) => (s.probes ?? []).map((probe) => ({ service: s.service, probe })));
  const vm = await startVm({
    iso: options.iso,
    serialLog: options.serialLog,
    firmware: options.firmware ?? 'bios',
    forwardPorts: probes.map((p) => p.probe.port),
  });
  try {
    const { line, afterMs } = await vm.waitForLine(READY_LINE, options.timeoutMs ?? 600_000);
    const results: ProbeResult[] = [];
    for (const { service, probe } of probes) results.push(await probeService(service, vm.hostPort(probe.port), probe));
    const login = options.login && (await checkSshLogin(options.profile, vm.hostPort(SSH_PORT), options.login));
    const loginPrompt = await vm.waitForLine(/^\S+ login:/, 30_000, true).then(
      () => true,
      () => false,
    );
    return {
      firmware: options.firmware ?? 'bios',
      readyAfterMs: afterMs,
      readiness: parseReadiness(line),
      profileFile: parseProfileFile(vm.lines()),
      loginPrompt,
      probes: results,
      ...(login ? { login } : {}),
      serialLog: options.serialLog,
    };
  } finally {
    await vm.stop();
  }
}
