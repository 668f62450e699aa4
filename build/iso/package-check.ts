import { join } from 'node:path';
import { closestName } from '../profile/closest-name.js';
import { displayPath, SERVICES_DIR, type Profile } from '../profile/load-profile.js';
import type { ProfileIssue } from '../profile/profile-error.js';
import { readYamlSource } from '../profile/yaml-source.js';
import type { PackageIndex } from './package-index.js';

/** How many providers of a virtual package, or packages a name begins, a message lists before "…". */
const LISTED = 5;

const listed = (names: readonly string[]): string => names.slice(0, LISTED).join(', ') + (names.length > LISTED ? ', …' : '');

/** The index's names in code-unit order, made once per index: names sharing a beginning are neighbours. */
const sortedNames = new WeakMap<PackageIndex, string[]>();

function namesOf(index: PackageIndex): string[] {
  let names = sortedNames.get(index);
  if (!names) sortedNames.set(index, (names = [...index.packages].sort()));
  return names;
}

/** The names that begin with `prefix`, a run in the sorted list. */
function beginningWith(names: readonly string[], prefix: string): string[] {
  let [low, high] = [0, names.length];
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (names[mid]! < prefix) low = mid + 1;
    else high = mid;
  }
  const found: string[] = [];
  for (let i = low; i < names.length && names[i]!.startsWith(prefix); i++) found.push(names[i]!);
  return found;
}

/**
 * What the author probably meant: the packages whose names begin with it ("openssh" → openssh-client, …), else
 * one name a typo away that starts with the same letter. Stricter than for service names: among 60,000 packages
 * a loose match is mostly noise ("steam-installer" is three edits from "opam-installer").
 */
function hint(name: string, index: PackageIndex): string {
  const names = namesOf(index);
  const extended = beginningWith(names, name).sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  if (extended.length > 0) return `; packages whose names begin with it: ${listed(extended)}`;
  const near = closestName(name, beginningWith(names, name[0]!), Math.max(1, Math.floor(name.length / 4)));
  return near ? ` (did you mean ${JSON.stringify(near)}?)` : '';
}

/** Why apt would refuse to install `name` from the index, or undefined if it would install it. */
export function packageProblem(name: string, index: PackageIndex): string | undefined {
  if (index.packages.has(name)) return undefined;
  const providers = [...(index.providers.get(name) ?? [])].sort();
  // apt installs the one provider of a virtual package on its own, and refuses to choose among several.
  if (providers.length === 1) return undefined;
  if (providers.length > 1) {
    return `${JSON.stringify(name)} is a virtual package that ${providers.length} packages provide (${listed(providers)}), and apt will not choose among them; name one`;
  }
  return `${JSON.stringify(name)} is not a package in Debian ${index.describe}${hint(name, index)}`;
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
