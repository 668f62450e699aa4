import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/** What the engine must leave as it found it on the host, as comparable text. */
export interface HostState {
  readonly mounts: string;
  readonly links: string;
  readonly addresses: string;
  readonly routes: string;
  readonly firewall: string;
  readonly resolvConf: string;
  readonly iptablesLinks: string;
  /** Cgroups of an engine started by a given process: none, before and after. */
  readonly cgroups: string;
  /** Processes started for the engine under `marker` (the test's cache): none, before and after. */
  readonly processes: string;
}

const run = (program: string, args: readonly string[]): string => {
  try {
    return execFileSync(program, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return `(${program} unavailable)`;
  }
};

/** iptables-save without its date comments and packet counters, which change on their own. */
const firewallRules = (): string =>
  ['iptables-save', 'ip6tables-save', 'nft']
    .map((tool) => run(tool, tool === 'nft' ? ['list', 'ruleset'] : []))
    .join('\n')
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .map((line) => line.replace(/\[\d+:\d+\]/g, ''))
    .join('\n');

const iptablesLinks = (): string =>
  ['/usr/bin', '/usr/sbin']
    .flatMap((dir) =>
      readdirSync(dir)
        .filter((name) => /^(ip6?tables|xtables)/.test(name))
        .map((name) => path.join(dir, name)),
    )
    .map((file) => {
      try {
        return `${file} -> ${readlinkSync(file)}`;
      } catch {
        return file;
      }
    })
    .join('\n');

/**
 * The cgroups an engine started by process `starter` would leave: buildkit's default parent, or ours (start.ts names
 * it borgos-dagger-<starter's pid>-…). Only these: other engines on the machine come and go meanwhile.
 */
const cgroups = (starter: number): string =>
  run('find', ['/sys/fs/cgroup', '-maxdepth', '2', '-type', 'd'])
    .split('\n')
    .filter((dir) => dir.endsWith('/buildkit') || dir.includes(`/borgos-dagger-${starter}-`))
    .sort()
    .join('\n');

const readOr = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/** Processes whose command line, environment or program mentions `marker`, other than us and `starter`. */
export function processesMentioning(marker: string, starter = process.pid): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid && Number(entry) !== starter)
    .filter((pid) => {
      const texts = [readOr(`/proc/${pid}/cmdline`), readOr(`/proc/${pid}/environ`)];
      try {
        texts.push(readlinkSync(`/proc/${pid}/exe`));
      } catch {
        // Gone, or a kernel thread.
      }
      return texts.some((text) => text.includes(marker));
    })
    .map((pid) => `${pid} ${readOr(`/proc/${pid}/comm`).trim()}`);
}

/** Processes in the pid namespace `pidNamespace` (`pid:[inode]` as /proc/<pid>/ns/pid reads). */
export function processesInNamespace(pidNamespace: string): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/ns/pid`) === pidNamespace;
      } catch {
        return false;
      }
    });
}

/** The host as the engine could change it; `marker` names our processes, `starter` the process starting the engine. */
export function hostState(marker: string, starter: number): HostState {
  return {
    mounts: readFileSync('/proc/self/mountinfo', 'utf8'),
    links: run('ip', ['-o', 'link']),
    addresses: run('ip', ['-o', 'addr']),
    routes: run('ip', ['route']),
    firewall: firewallRules(),
    resolvConf: existsSync('/etc/resolv.conf') ? readFileSync('/etc/resolv.conf', 'utf8') : '',
    iptablesLinks: iptablesLinks(),
    cgroups: cgroups(starter),
    processes: processesMentioning(marker, starter).join('\n'),
  };
}
