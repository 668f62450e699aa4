import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The module's function names as `dagger functions` prints them; the module is wrong if one is missing. */
export const MODULE_FUNCTIONS = ['build-iso', 'ci', 'image', 'lint', 'publish-image', 'release', 'test'] as const;

/** The functions `dagger functions` does not list. */
export const missingFunctions = (listing: string): string[] =>
  MODULE_FUNCTIONS.filter((name) => !new RegExp(`^${name}\\s`, 'm').test(listing));

const readJson = <T>(file: string, what: string): T => {
  if (!existsSync(file)) throw new Error(`${what} is missing: ${file}`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new Error(`${what} is not JSON (${file}): ${(error as Error).message}`, { cause: error });
  }
};

interface LintReport {
  eslint: { errors: number };
  prettier: { unformatted: unknown[]; unparsable: unknown[] };
  tsc: { errors: number };
  shellcheck: { scripts: unknown[]; findings: unknown[] };
}

/** What `dagger call lint` exported (artifacts/ of S0): the report says every linter ran clean. */
export function checkLintArtifacts(dir: string): string {
  const report = readJson<LintReport>(path.join(dir, 'lint', 'report.json'), 'the lint report');
  const problems = [
    report.eslint.errors > 0 ? `eslint: ${report.eslint.errors} errors` : '',
    report.prettier.unformatted.length + report.prettier.unparsable.length > 0 ? 'prettier: files not formatted' : '',
    report.tsc.errors > 0 ? `tsc: ${report.tsc.errors} errors` : '',
    report.shellcheck.findings.length > 0 ? `shellcheck: ${report.shellcheck.findings.length} findings` : '',
  ].filter(Boolean);
  if (problems.length > 0) throw new Error(`the lint report has findings: ${problems.join('; ')}`);
  return `lint report clean (eslint, prettier, tsc, shellcheck over ${report.shellcheck.scripts.length} scripts)`;
}

/** The totals of a JUnit file's <testsuites> element; skipped ones counted by test case (vitest gives no total). */
export function junitTotals(xml: string): { tests: number; failures: number; errors: number; skipped: number } {
  const root = /<testsuites\b([^>]*)>/.exec(xml)?.[1];
  if (root === undefined) throw new Error('the JUnit file has no <testsuites> element');
  const count = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(root)?.[1] ?? 0);
  const skipped = xml.match(/<skipped\b/g)?.length ?? 0;
  return { tests: count('tests'), failures: count('failures'), errors: count('errors'), skipped };
}

/** What `dagger call test` exported (artifacts/ of S1): tests ran and passed, and line coverage holds the gate. */
export function checkTestArtifacts(dir: string, threshold: number): string {
  const junitFile = path.join(dir, 'test', 'junit.xml');
  if (!existsSync(junitFile)) throw new Error(`the JUnit file is missing: ${junitFile}`);
  const totals = junitTotals(readFileSync(junitFile, 'utf8'));
  if (totals.tests === 0) throw new Error(`the JUnit file records no test: ${junitFile}`);
  if (totals.failures + totals.errors > 0)
    throw new Error(`the JUnit file records ${totals.failures} failures and ${totals.errors} errors: ${junitFile}`);
  const summary = readJson<{ total: { lines: { pct: number } } }>(
    path.join(dir, 'coverage', 'coverage-summary.json'),
    'the coverage summary',
  );
  const lines = summary.total.lines.pct;
  if (!(lines >= threshold)) throw new Error(`line coverage ${lines}% is under the gate of ${threshold}%`);
  return `${totals.tests} tests passed (${totals.skipped} skipped), line coverage ${lines}% (gate ${threshold}%)`;
}
