import { readdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import serviceSchema from '../profiles/schema/service.schema.json' with { type: 'json' };
import { ProfileError, type ProfileIssue } from './profile-error.js';
import { compileSchema, schemaIssues } from './schema-check.js';
import { readYamlSource } from './yaml-source.js';

export interface ServiceFile {
  path: string;
  mode?: string;
  content: string;
}

export interface ServiceProbe {
  port: number;
  kind: 'banner' | 'http';
  path?: string;
  expect?: string;
}

/** A catalog entry from build/profiles/services/NAME.yaml. */
export interface Service {
  service: string;
  description: string;
  base?: boolean;
  packages?: string[];
  units?: string[];
  files?: ServiceFile[];
  setup?: string;
  probes?: ServiceProbe[];
}

export type Catalog = ReadonlyMap<string, Service>;

const validateService = compileSchema(serviceSchema);

/** Loads and validates every service file in `dir`; all problems in all files are reported together. */
export function loadCatalog(dir: string, displayRoot = process.cwd()): Catalog {
  const catalog = new Map<string, Service>();
  const issues: ProfileIssue[] = [];
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const file = join(dir, name);
    try {
      const rel = relative(displayRoot, file);
      const source = readYamlSource(file, rel.startsWith('..') ? file : rel);
      const found = schemaIssues(source, validateService);
      const service = source.data as Service;
      if (found.length === 0 && service.service !== basename(name, '.yaml')) {
        found.push(
          source.issueAt(
            ['service'],
            `service: got ${JSON.stringify(service.service)}; expected ${JSON.stringify(basename(name, '.yaml'))} to match the file name`,
          ),
        );
      }
      issues.push(...found);
      if (found.length === 0) catalog.set(service.service, service);
    } catch (error) {
      if (!(error instanceof ProfileError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length > 0) throw new ProfileError(issues);
  return catalog;
}
