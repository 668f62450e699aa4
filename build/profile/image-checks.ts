/** Checks for values the schema allows but the image build would refuse. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import profileSchema from '../profiles/schema/profile.schema.json' with { type: 'json' };
import type { ProfileIssue } from './profile-error.js';
import type { YamlSource } from './yaml-source.js';

/** Where the host keeps tzdata; the image gets the same zone names from Debian's tzdata. */
export const ZONEINFO_DIR = '/usr/share/zoneinfo';

/**
 * Users and groups a Debian 12 image already has: base-passwd's passwd.master and group.master,
 * plus those systemd, dbus, openssh and chrony add. useradd fails on any of them (it also makes a
 * group of the user's name), and the chroot hook runs it under `set -eu`, minutes into a build.
 */
export const SYSTEM_ACCOUNTS: ReadonlySet<string> = new Set([
  ...[
    'root',
    'daemon',
    'bin',
    'sys',
    'sync',
    'games',
    'man',
    'lp',
    'mail',
    'news',
    'uucp',
    'proxy',
    'www-data',
    'backup',
    'list',
    'irc',
    '_apt',
    'nobody',
  ],
  ...[
    'adm',
    'tty',
    'disk',
    'kmem',
    'dialout',
    'fax',
    'voice',
    'cdrom',
    'floppy',
    'tape',
    'sudo',
    'audio',
    'dip',
    'operator',
    'src',
    'shadow',
    'utmp',
  ],
  ...['video', 'sasl', 'plugdev', 'staff', 'users', 'nogroup', 'gnats'],
  ...[
    'systemd-journal',
    'systemd-network',
    'systemd-timesync',
    'systemd-resolve',
    'systemd-coredump',
    'input',
    'kvm',
    'render',
    'sgx',
    'netdev',
    'crontab',
  ],
  ...['messagebus', 'sshd', '_ssh', 'ssh', '_chrony'],
]);

const timezonePattern = new RegExp(profileSchema.properties.timezone.pattern);

const isZoneFile = (dir: string, zone: string): boolean => {
  const file = join(dir, zone);
  return existsSync(file) && statSync(file).isFile();
};

/** A well-formed time zone that tzdata lacks; checked only where the host has tzdata to ask. */
export function timezoneIssues(source: YamlSource, timezone: unknown, zoneinfoDir = ZONEINFO_DIR): ProfileIssue[] {
  // A malformed value is the schema's to report; a path like "Europe" is a directory, not a zone.
  if (typeof timezone !== 'string' || !timezonePattern.test(timezone) || !existsSync(zoneinfoDir) || isZoneFile(zoneinfoDir, timezone))
    return [];
  return [
    source.issueAt(
      ['timezone'],
      `timezone: got ${JSON.stringify(timezone)}, which is not in tzdata (${zoneinfoDir}); expected a time zone such as Europe/Berlin or Etc/UTC`,
    ),
  ];
}

/** User names the image cannot create: duplicates and accounts the base system already has. */
export function userIssues(source: YamlSource, users: unknown): ProfileIssue[] {
  const issues: ProfileIssue[] = [];
  const firstIndex = new Map<string, number>();
  (Array.isArray(users) ? (users as unknown[]) : []).forEach((user, i) => {
    const name = (user as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return;
    const at = ['users', i, 'name'];
    const first = firstIndex.get(name);
    if (first !== undefined) {
      issues.push(
        source.issueAt(at, `users[${i}].name: ${JSON.stringify(name)} is listed twice (first as users[${first}]); expected each user once`),
      );
    } else if (SYSTEM_ACCOUNTS.has(name)) {
      issues.push(
        source.issueAt(
          at,
          `users[${i}].name: got ${JSON.stringify(name)}, a user or group the Debian base system already has; expected a new name`,
        ),
      );
    }
    if (first === undefined) firstIndex.set(name, i);
  });
  return issues;
}
