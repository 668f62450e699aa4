import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { artifactsDir } from './paths.js';
import type { Stage } from './stage.js';
import type { StageContext } from './step.js';

/** The trees whose line coverage S1 holds at or above the threshold: the control plane, and later the device side. */
export const coveredTrees = ['src', 'device'] as const;
/**
 * Left out of the measure: the entry points run as processes of their own in the tests (test/main), which the test
 * process's coverage cannot see; and a tree named in include also matches its namesake below build/.
 */
export const uncovered = ['src/main/**', 'build/**'] as const;
export const lineCoverageThreshold = 90;

/**
 * S1: the project's vitest config plus coverage settings given on the command line,
 * so `npm test` stays fast and only the pipeline pays for instrumentation.
 */
export const testStage: Stage = {
  id: 'S1',
  name: 'test',
  summary: `vitest with coverage (≥${lineCoverageThreshold}% lines on ${coveredTrees.join(', ')})`,
  run: (ctx) => runTests(ctx, { reportsDir: artifactsDir }),
};

export interface TestRun {
  /** Where the JUnit report (test/) and the coverage reports (coverage/) go. */
  readonly reportsDir: string;
  /** Arguments after the stage's own, e.g. another --root for a test of the stage. */
  readonly vitestArgs?: readonly string[];
}

/** Runs vitest with coverage and throws, saying why, unless tests ran, all passed, and coverage is at the threshold. */
export async function runTests(ctx: StageContext, run: TestRun): Promise<void> {
  const coverageDir = path.join(run.reportsDir, 'coverage');
  const junit = path.join(run.reportsDir, 'test', 'junit.xml');
  // The count of tests run comes from this report: one left by an earlier run must not stand in for a crash.
  await rm(junit, { force: true });
  const result = await ctx.run(
    'vitest run --coverage',
    [
      'npx',
      '--no-install',
      'vitest',
      'run',
      '--reporter=default',
      '--reporter=junit',
      `--outputFile.junit=${junit}`,
      '--coverage.enabled',
      '--coverage.provider=v8',
      ...coveredTrees.map((tree) => `--coverage.include=${tree}/**/*.ts`),
      ...uncovered.map((glob) => `--coverage.exclude=${glob}`),
      `--coverage.thresholds.lines=${lineCoverageThreshold}`,
      `--coverage.reportsDirectory=${coverageDir}`,
      '--coverage.reporter=text',
      '--coverage.reporter=html',
      '--coverage.reporter=json-summary',
      ...(run.vitestArgs ?? []),
    ],
    { allowFailure: true },
  );
  ctx.note(`reports: ${junit}, ${coverageDir}/index.html, ${coverageDir}/coverage-summary.json`);
  // vitest colours its output even when asked not to; the summary lines are matched without it.
  const output = stripVTControlCharacters(`${result.stdout}\n${result.stderr}`);
  // Before the exit code: a run with no test has nothing to measure, and its coverage (0%) would only mislead.
  const ran = await testsRun(junit);
  if (ran === 0) throw new Error(`vitest ran no test: ${whyNoTestRan(output)}`);
  ctx.say(`${ran} ${ran === 1 ? 'test' : 'tests'} ran`);
  if (result.exitCode !== 0) throw new Error(await whyTestsFailed(output, path.join(coverageDir, 'coverage-summary.json')));
}

/** How many tests the JUnit report counts; none when vitest wrote no report. */
async function testsRun(junitPath: string): Promise<number> {
  const report = await readFile(junitPath, 'utf8').catch(() => '');
  return Number(/<testsuites\b[^>]*\btests="(\d+)"/.exec(report)?.[1] ?? 0);
}

/** What vitest said instead of running tests: the first error (a global setup that failed, say), else its own words. */
function whyNoTestRan(output: string): string {
  const lines = output.split('\n').map((line) => line.trim());
  const reason = lines.find((line) => /^\w*Error: /.test(line)) ?? lines.find((line) => line.startsWith('No test files found'));
  if (reason === undefined) return 'vitest said nothing about why; see the log';
  return `${reason.length > 300 ? `${reason.slice(0, 300)}…` : reason} (the log has the rest)`;
}

/** Tells failing tests apart from coverage under the threshold, from what vitest left behind. */
async function whyTestsFailed(output: string, summaryPath: string): Promise<string> {
  const failedTests = /Tests\s+(\d+) failed/.exec(output);
  if (failedTests) {
    const names = [...output.matchAll(/^ FAIL\s+(.+)$/gm)].map((m) => m[1]?.trim());
    return `${failedTests[1]} tests failed: ${[...new Set(names)].slice(0, 5).join('; ')}`;
  }
  const summary = await readFile(summaryPath, 'utf8').catch(() => undefined);
  if (summary !== undefined) {
    const lines = (JSON.parse(summary) as { total: { lines: { pct: number } } }).total.lines.pct;
    if (lines < lineCoverageThreshold) return `line coverage ${lines}% is under ${lineCoverageThreshold}%`;
  }
  return 'vitest exited non-zero (a test file failed to load or vitest crashed)';
}
