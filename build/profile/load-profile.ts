import { existsSync, readdirSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import profileSchema from '../profiles/schema/profile.schema.json' with { type: 'json' };
import { timezoneIssues, userIssues } from './image-checks.js';
import { loadCatalog, type Catalog, type Service } from './catalog.js';
import { closestName } from './closest-name.js';
import { ProfileError, type ProfileIssue } from './profile-error.js';
import { compileSchema, schemaIssues } from './schema-check.js';
import { readYamlSource } from './yaml-source.js';

/** The shipped profiles and the service catalog: data beside this loader. */
export const PROFILES_DIR = fileURLToPath(new URL('../profiles', import.meta.url));
export const SERVICES_DIR = join(PROFILES_DIR, 'services');

export type RuntimeComponent = 'agent' | 'mcp' | 'webui' | 'com-monitor';

export interface ProfileUser {
  name: string;
  sudo?: boolean;
  ssh_authorized_keys?: string[];
}

/** A profile as written in YAML. */
export interface ProfileDocument {
  profile: string;
  description: string;
  services: string[];
  runtime?: RuntimeComponent[];
  packages?: string[];
  offline_model?: string | null;
  hostname?: string;
  locale?: string;
  timezone?: string;
  users?: ProfileUser[];
}

/** A valid profile with defaults filled in and its services resolved from the catalog. */
export interface Profile {
  file: string;
  name: string;
  description: string;
  hostname: string;
  locale: string;
  timezone: string;
  runtime: RuntimeComponent[];
  offlineModel: string | null;
  packages: string[];
  users: ProfileUser[];
  /** Base services first, then the profile's own, each once. */
  services: Service[];
}

const validateProfile = compileSchema(profileSchema);

/** Paths inside the working directory are shown relative to it, others in full. */
export function displayPath(file: string, root: string): string {
  const rel = relative(root, file);
  return rel.startsWith('..') ? file : rel;
}

/** Profile names shipped in profiles/. */
export function listProfiles(dir = PROFILES_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .sort();
}

/** Accepts a shipped profile name (edge-iot) or a path to a YAML file; a shipped name wins over a file of that name. */
export function profilePath(nameOrPath: string): string {
  const isName = /^[a-z][a-z0-9-]*$/.test(nameOrPath);
  const shipped = join(PROFILES_DIR, `${nameOrPath}.yaml`);
  if (isName && existsSync(shipped)) return shipped;
  const file = resolve(nameOrPath);
  if (existsSync(file)) return file;
  if (isName)
    throw new Error(
      `unknown profile ${JSON.stringify(nameOrPath)}; expected one of: ${listProfiles().join(', ')} (or a path to a .yaml file)`,
    );
  throw new Error(`profile file not found: ${file}`);
}

export function loadProfile(file: string, catalog: Catalog = loadCatalog(SERVICES_DIR), displayRoot = process.cwd()): Profile {
  const source = readYamlSource(file, displayPath(file, displayRoot));
  const issues: ProfileIssue[] = schemaIssues(source, validateProfile);
  // Checked even when the schema failed, so one run reports every problem.
  const doc = source.data as Partial<ProfileDocument>;
  const expectedName = basename(file).replace(/\.ya?ml$/, '');
  if (typeof doc.profile === 'string' && doc.profile !== expectedName) {
    issues.push(
      source.issueAt(
        ['profile'],
        `profile: got ${JSON.stringify(doc.profile)}; expected ${JSON.stringify(expectedName)} to match the file name`,
      ),
    );
  }
  (Array.isArray(doc.services) ? doc.services : []).forEach((name: unknown, i) => {
    if (typeof name !== 'string' || catalog.has(name)) return;
    const hint = closestName(name, catalog.keys());
    issues.push(
      source.issueAt(
        ['services', i],
        `services[${i}]: unknown service ${JSON.stringify(name)}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}; expected one of: ${[...catalog.keys()].sort().join(', ')}`,
      ),
    );
  });
  issues.push(...timezoneIssues(source, doc.timezone), ...userIssues(source, doc.users));
  if (issues.length > 0) throw new ProfileError(issues.sort((x, y) => x.line - y.line || x.col - y.col));
  const valid = doc as ProfileDocument;

  const base = [...catalog.values()].filter((s) => s.base === true);
  const listed = valid.services.map((name) => catalog.get(name)).filter((s): s is Service => s !== undefined && s.base !== true);
  return {
    file,
    name: valid.profile,
    description: valid.description,
    hostname: valid.hostname ?? `borgos-${valid.profile}`,
    locale: valid.locale ?? 'C.UTF-8',
    timezone: valid.timezone ?? 'Etc/UTC',
    runtime: valid.runtime ?? [],
    offlineModel: valid.offline_model ?? null,
    packages: valid.packages ?? [],
    users: valid.users ?? [],
    services: [...base, ...listed],
  };
}
