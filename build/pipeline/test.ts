import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { artifactsDir } from './paths.js';
import type { Stage } from './stage.js';

/** The trees whose line coverage S1 holds at or above the threshold. */
export const coveredTrees = ['api', 'lib', 'workflows', 'activities', 'device'] as const;
export const lineCoverageThreshold = 90;

/**
 * S1: the project's vitest config plus coverage settings given on the command line,
 * so `npm test` stays fast and only the pipeline pays for instrumentation.
 */
export const testStage: Stage = {
  id: 'S1',
  name: 'test',
  summary: `vitest with coverage (≥${lineCoverageThreshold}% lines on ${coveredTrees.join(', ')})`,
  async run(ctx) {
    const coverageDir = path.join(artifactsDir, 'coverage');
    const junit = path.join(artifactsDir, 'test', 'junit.xml');
    const result = await ctx.run(
      'vitest run --coverage',
      [
        'npx', '--no-install', 'vitest', 'run',
        '--reporter=default', '--reporter=junit', `--outputFile.junit=${junit}`,
        '--coverage.enabled', '--coverage.provider=v8',
        ...coveredTrees.map((tree) => `--coverage.include=${tree}/**/*.ts`),
        `--coverage.thresholds.lines=${lineCoverageThreshold}`,
        `--coverage.reportsDirectory=${coverageDir}`,
        '--coverage.reporter=text', '--coverage.reporter=html', '--coverage.reporter=json-summary',
      ],
      { allowFailure: true },
    );
    ctx.note(`reports: ${junit}, ${coverageDir}/index.html, ${coverageDir}/coverage-summary.json`);
    if (result.exitCode !== 0) {
      // vitest colours its output even when asked not to; the summary lines are matched without it.
      const output = stripVTControlCharacters(`${result.stdout}\n${result.stderr}`);
      throw new Error(await whyTestsFailed(output, path.join(coverageDir, 'coverage-summary.json')));
    }
  },
};

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
