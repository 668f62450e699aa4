import { join } from 'node:path';
import { closestName } from '../profiles/closest-name.js';
import { displayPath, SERVICES_DIR, type Profile } from '../profiles/load-profile.js';
import type { ProfileIssue } from '../profiles/profile-error.js';
import { readYamlSource } from '../profiles/yaml-source.js';
import type { PackageIndex } from './package-index.js';

/** How many providers of a virtual package a message lists before "…". */
const LISTED_PROVIDERS = 5;

/** Why apt would refuse to install `name` from the index, or undefined if it would install it. */
export function packageProblem(name: string, index: PackageIndex): string | undefined {
  if (index.packages.has(name)) return undefined;
  const providers = [...(index.providers.get(name) ?? [])].sort();
  // apt installs the one provider of a virtual package on its own, and refuses to choose among several.
  if (providers.length === 1) return undefined;
  if (providers.length > 1) {
    const listed = providers.slice(0, LISTED_PROVIDERS).join(', ') + (providers.length > LISTED_PROVIDERS ? ', …' : '');
    return `${JSON.stringify(name)} is a virtual package with ${providers.length} providers (${listed}); expected one package, for example one of those`;
  }
  const hint = closestName(name, index.packages);
  return `${JSON.stringify(name)} is not a package in Debian ${index.describe}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}`;
}

/**
 * Every package the profile and its services name that apt could not install, located in the file that names it,
 * so a typo fails in seconds rather than minutes into live-build's chroot stage.
 */
export function packageIssues(profile: Profile, index: PackageIndex, displayRoot = process.cwd()): ProfileIssue[] {
  const lists = [
    { file: profile.file, names: profile.packages },
    ...profile.services.map((s) => ({ file: join(SERVICES_DIR, `${s.service}.yaml`), names: s.packages ?? [] })),
  ];
  return lists.flatMap(({ file, names }) => {
    const problems = names.map((name, i) => ({ i, problem: packageProblem(name, index) })).filter((p) => p.problem !== undefined);
    if (problems.length === 0) return [];
    const source = readYamlSource(file, displayPath(file, displayRoot));
    return problems.map(({ i, problem }) => source.issueAt(['packages', i], `packages[${i}]: ${problem}`));
  });
}
