import { existsSync, readFileSync } from 'node:fs';

export interface Mirrors {
  debian: string;
  security: string;
}

const SOURCES_FILE = '/etc/apt/sources.list.d/debian.sources';
const DEFAULTS: Mirrors = { debian: 'http://deb.debian.org/debian', security: 'http://deb.debian.org/debian-security' };

/** Mirrors named by the host's deb822 sources: the entry serving bookworm-security is the security mirror. */
export function hostMirrors(file = SOURCES_FILE): Partial<Mirrors> {
  if (!existsSync(file)) return {};
  const found: Partial<Mirrors> = {};
  for (const stanza of readFileSync(file, 'utf8').split(/\n\s*\n/)) {
    const field = (name: string): string | undefined => new RegExp(`^${name}:\\s*(\\S+)`, 'im').exec(stanza)?.[1];
    const uri = field('URIs');
    const suites = field('Suites') ?? '';
    if (!uri) continue;
    if (suites.includes('-security')) found.security ??= uri;
    else found.debian ??= uri;
  }
  return found;
}

/** Explicit settings (CLI or BORG_ISO_MIRROR / BORG_ISO_SECURITY_MIRROR, e.g. a snapshot) win over the host's sources. */
export function chooseMirrors(explicit: Partial<Mirrors>, env: NodeJS.ProcessEnv = process.env): Mirrors {
  const host = hostMirrors();
  const pick = (key: keyof Mirrors, envName: string): string => {
    const url = explicit[key] ?? env[envName] ?? host[key] ?? DEFAULTS[key];
    if (!/^(https?|file):\/\/\S+$/.test(url))
      throw new Error(
        `${envName}/--${key === 'debian' ? 'mirror' : 'security-mirror'}: got ${JSON.stringify(url)}; expected an http(s):// or file:// URL`,
      );
    return url.replace(/\/+$/, '');
  };
  return { debian: pick('debian', 'BORG_ISO_MIRROR'), security: pick('security', 'BORG_ISO_SECURITY_MIRROR') };
}
