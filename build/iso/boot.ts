/** `tsx build/iso/boot.ts --iso FILE --profile NAME`: boots an ISO in QEMU (TCG) and checks the profile's services. */
import { parseArgs } from 'node:util';
import { loadProfile, profilePath } from '../profile/load-profile.js';
import { bootAndCheck } from './boot-check.js';
import { BOOT_PACKAGES, installPackages, requirePackages } from './host-tools.js';
import type { Firmware } from './qemu-vm.js';
import { checkLogin } from './ssh-login.js';

const usage = `usage: tsx build/iso/boot.ts --iso FILE --profile NAME|FILE [options]

Boots the ISO in qemu-system-x86_64 -accel tcg with the serial console captured, waits for
borg-ready's readiness line, probes each service's forwarded port and prints a report.
With --ssh-user and --ssh-key it also logs in as that profile user and checks that sudo
works exactly when the profile gives the user sudo.
Exit status 0 only if every unit is active, every probe answers and the login (if asked) passes.

options:
  --iso FILE            ISO to boot
  --profile NAME|FILE   profile the ISO was built from (for the service probes)
  --uefi                boot with OVMF (UEFI) instead of BIOS
  --serial-log FILE     where to write the serial console (default: next to the ISO, NAME.bios.serial.log or NAME.uefi.serial.log)
  --timeout SECONDS     how long to wait for readiness (default 600)
  --ssh-user USER       a user of the profile to log in as over SSH (needs --ssh-key)
  --ssh-key FILE        private key matching one of that user's ssh_authorized_keys
  --install-deps        apt-get install qemu-system-x86 and ovmf if missing
  -h, --help            show this help`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      iso: { type: 'string' },
      profile: { type: 'string' },
      uefi: { type: 'boolean', default: false },
      'serial-log': { type: 'string' },
      timeout: { type: 'string', default: '600' },
      'ssh-user': { type: 'string' },
      'ssh-key': { type: 'string' },
      'install-deps': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.iso || !values.profile) {
    console.error(`error: --iso and --profile are required\n\n${usage}`);
    return 2;
  }
  if ((values['ssh-user'] === undefined) !== (values['ssh-key'] === undefined)) {
    console.error(`error: --ssh-user and --ssh-key go together\n\n${usage}`);
    return 2;
  }
  const timeout = Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new Error(`--timeout: got ${JSON.stringify(values.timeout)}; expected a positive number of seconds`);
  // What the user asked for is judged before the host: a login the profile cannot grant is refused even where QEMU is missing.
  const profile = loadProfile(profilePath(values.profile));
  const login = values['ssh-user'] && values['ssh-key'] ? { user: values['ssh-user'], keyFile: values['ssh-key'] } : undefined;
  if (login) checkLogin(profile, login);
  if (values['install-deps']) installPackages(BOOT_PACKAGES);
  else requirePackages(BOOT_PACKAGES);

  const firmware: Firmware = values.uefi ? 'uefi' : 'bios';
  const serialLog = values['serial-log'] ?? values.iso.replace(/\.iso$/, `.${firmware}.serial.log`);
  console.error(`[boot] booting ${values.iso} (${firmware}, TCG); serial console → ${serialLog}`);
  const report = await bootAndCheck({
    iso: values.iso,
    profile,
    serialLog,
    firmware,
    timeoutMs: timeout * 1000,
    ...(login ? { login } : {}),
  });
  const { readiness } = report;
  console.log(
    `ready after ${(report.readyAfterMs / 1000).toFixed(1)}s (guest uptime ${readiness.guestUptimeSeconds}s), firmware ${firmware}`,
  );
  console.log(
    `profile ${readiness.profile}, inputs ${readiness.inputsHash}, multi-user.target ${readiness.multiUser}, node ${readiness.node}`,
  );
  for (const [unit, state] of Object.entries(readiness.units)) console.log(`  unit ${unit}: ${state}`);
  for (const probe of report.probes)
    console.log(`  ${probe.ok ? 'ok  ' : 'FAIL'} ${probe.service} port ${probe.guestPort}: ${probe.detail}`);
  console.log(`/etc/borgos/profile: PROFILE=${report.profileFile.PROFILE ?? '?'} INPUTS_HASH=${report.profileFile.INPUTS_HASH ?? '?'}`);
  console.log(`login prompt on serial: ${report.loginPrompt ? 'yes' : 'no'}`);
  if (report.login) console.log(`  ${report.login.ok ? 'ok  ' : 'FAIL'} ssh login as ${report.login.user}: ${report.login.detail}`);
  return readiness.ready && report.probes.every((p) => p.ok) && report.login?.ok !== false ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
