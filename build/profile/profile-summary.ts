import { imagePackages } from './image-packages.js';
import type { Profile } from './load-profile.js';

const list = (items: readonly string[]): string => (items.length > 0 ? items.join(', ') : 'none');

/** What a profile puts in its image, settings and defaults filled in: what `check.ts --show` prints under the verdict. */
export function profileSummary(profile: Profile): string[] {
  const users = profile.users.map((u) => {
    const keys = u.ssh_authorized_keys?.length ?? 0;
    return `${u.name} (${[u.sudo ? 'sudo' : '', `${keys} SSH key${keys === 1 ? '' : 's'}`].filter(Boolean).join(', ')})`;
  });
  const sshRuns = profile.services.some((s) => s.service === 'ssh');
  const nobodyLogsIn = sshRuns && !profile.users.some((u) => (u.ssh_authorized_keys?.length ?? 0) > 0);
  const files = profile.services.flatMap((s) => (s.files ?? []).map((f) => `${f.path} (${s.service})`));
  const packages = imagePackages(profile);
  return [
    `  hostname       ${profile.hostname}`,
    `  locale         ${profile.locale}`,
    `  timezone       ${profile.timezone}`,
    `  users          ${list(users)}${nobodyLogsIn ? ' — ssh runs, but no user has a key, so nobody can log in' : ''}`,
    `  packages       ${packages.length}: ${list(packages)}`,
    `  units          ${list(profile.services.flatMap((s) => s.units ?? []))}`,
    `  files          ${list(files)}`,
    `  runtime        ${list(profile.runtime)}`,
    `  offline model  ${profile.offlineModel ?? 'none'}`,
  ];
}
