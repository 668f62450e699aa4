import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkLintArtifacts,
  checkTestArtifacts,
  junitTotals,
  missingFunctions,
} from '../../../../build/dagger/local-engine/lib/module/artifacts.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'borg-module-artifacts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (file: string, text: string) => {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
};
const lintReport = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    eslint: { errors: 0, warnings: 2, report: 'artifacts/lint/eslint.json' },
    prettier: { unformatted: [], unparsable: [] },
    tsc: { errors: 0, diagnostics: [] },
    shellcheck: { scripts: ['a.sh', 'b.sh'], findings: [] },
    ...over,
  });
const junit = (attrs: string) => `<?xml version="1.0"?>\n<testsuites name="vitest tests" ${attrs} time="12.3">\n</testsuites>\n`;

describe('dagger functions, as the module must list them', () => {
  it('finds each function at the start of a line, not inside a description', () => {
    const listing =
      'Name            Description\nlint            S0: ESLint …\ntest            S1: vitest with coverage\nimage           S3 …\n';
    expect(missingFunctions(listing)).toEqual(['build-iso', 'ci', 'publish-image', 'release']);
  });
});

describe('the lint artifacts', () => {
  it('pass when every linter is clean, and say what ran', () => {
    write('lint/report.json', lintReport());
    expect(checkLintArtifacts(dir)).toBe('lint report clean (eslint, prettier, tsc, shellcheck over 2 scripts)');
  });

  it('fail naming each linter with findings', () => {
    write('lint/report.json', lintReport({ eslint: { errors: 3 }, shellcheck: { scripts: [], findings: [{}] } }));
    expect(() => checkLintArtifacts(dir)).toThrow('the lint report has findings: eslint: 3 errors; shellcheck: 1 findings');
  });

  it('fail naming the missing or broken report', () => {
    expect(() => checkLintArtifacts(dir)).toThrow(`the lint report is missing: ${path.join(dir, 'lint', 'report.json')}`);
    write('lint/report.json', '{"eslint":');
    expect(() => checkLintArtifacts(dir)).toThrow(/^the lint report is not JSON/);
  });
});

describe('the test artifacts', () => {
  const coverage = (pct: number) => JSON.stringify({ total: { lines: { total: 100, covered: pct, pct } } });

  it('pass with tests run, none failed, and line coverage at the gate', () => {
    write('test/junit.xml', junit('tests="1027" failures="0" errors="0"').replace('</testsuites>', '<skipped/><skipped/></testsuites>'));
    write('coverage/coverage-summary.json', coverage(90));
    expect(checkTestArtifacts(dir, 90)).toBe('1027 tests passed (2 skipped), line coverage 90% (gate 90%)');
  });

  it('fail when no test ran: the defect a real engine found (vitest found no files under OTEL_* variables)', () => {
    write('test/junit.xml', junit('tests="0" failures="0" errors="0"'));
    write('coverage/coverage-summary.json', coverage(0));
    expect(() => checkTestArtifacts(dir, 90)).toThrow('the JUnit file records no test');
  });

  it('fail on failed tests, and on coverage under the gate', () => {
    write('test/junit.xml', junit('tests="10" failures="1" errors="2"'));
    write('coverage/coverage-summary.json', coverage(95));
    expect(() => checkTestArtifacts(dir, 90)).toThrow('the JUnit file records 1 failures and 2 errors');
    write('test/junit.xml', junit('tests="10" failures="0" errors="0"'));
    write('coverage/coverage-summary.json', coverage(89.9));
    expect(() => checkTestArtifacts(dir, 90)).toThrow('line coverage 89.9% is under the gate of 90%');
  });

  it('reads the totals of the <testsuites> element, and counts skipped test cases', () => {
    expect(junitTotals(`${junit('tests="5" failures="1"')}<testsuite tests="99" failures="9"><testcase><skipped/></testcase>`)).toEqual({
      tests: 5,
      failures: 1,
      errors: 0,
      skipped: 1,
    });
    expect(() => junitTotals('<testsuite tests="1"/>')).toThrow('the JUnit file has no <testsuites> element');
  });
});
