/** Validates profiles: `tsx build/profile/check.ts [--show] [NAME|FILE...]` (default: every shipped profile). Exit 1 on any issue. */
import { loadCatalog, type Catalog } from './catalog.js';
import { displayPath, listProfiles, loadProfile, profilePath, SERVICES_DIR } from './load-profile.js';
import { profileSummary } from './profile-summary.js';
import { readProblem } from './read-problem.js';

const usage = `usage: tsx build/profile/check.ts [--show] [NAME|PROFILE.yaml ...]
Validates the service catalog and the given profiles, by name or path (default: all in profiles/).

  --show      also print what each valid profile puts in its image: host name, locale, time zone,
              users, packages, systemd units, files, runtime and offline model, defaults filled in
  -h, --help  show this help`;

/** One line per problem; errors from the file system name no path of their own, so the argument is added. */
function describeFailure(arg: string, error: unknown): string {
  if (!(error instanceof Error)) return `${arg}: ${String(error)}`;
  const problem = readProblem(error);
  return problem === undefined ? error.message : `${arg}: ${problem}`;
}

/** Checks one name or path and prints its verdict; true when it is valid. */
function checkOne(arg: string, catalog: Catalog, show: boolean): boolean {
  try {
    const profile = loadProfile(profilePath(arg), catalog);
    console.log(`ok ${displayPath(profile.file, process.cwd())}: ${profile.name} (${profile.services.map((s) => s.service).join(', ')})`);
    if (show) console.log(profileSummary(profile).join('\n'));
    return true;
  } catch (error) {
    console.error(describeFailure(arg, error));
    return false;
  }
}

function main(args: readonly string[]): number {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage);
    return 0;
  }
  const show = args.includes('--show');
  const names = args.filter((arg) => arg !== '--show');
  const unknown = names.find((arg) => arg.startsWith('-'));
  if (unknown) {
    console.error(`unknown option ${unknown}\n\n${usage}`);
    return 2;
  }
  let catalog: Catalog;
  try {
    catalog = loadCatalog(SERVICES_DIR);
  } catch (error) {
    console.error(describeFailure(SERVICES_DIR, error));
    return 1;
  }
  // Every argument is checked, so one run reports every bad file.
  const results = (names.length > 0 ? names : listProfiles()).map((arg) => checkOne(arg, catalog, show));
  return results.every(Boolean) ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
