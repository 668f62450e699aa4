import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { artifactsDir, repoRoot } from './paths.js';
import { findShellScripts } from './shell-scripts.js';
import type { Stage } from './stage.js';

interface EslintFileResult {
  readonly filePath: string;
  readonly errorCount: number;
  readonly warningCount: number;
  readonly messages: readonly { readonly line?: number; readonly column?: number; readonly ruleId: string | null; readonly message: string }[];
}

interface ShellcheckComment {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly level: string;
  readonly code: number;
  readonly message: string;
}

const reportDir = path.join(artifactsDir, 'lint');

/** A linter that crashed writes no JSON; say so instead of failing on JSON.parse. */
function parseReport<T>(text: string, tool: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${tool} produced no JSON report: it crashed before linting, see the log`);
  }
}

/** S0: every linter runs even after one fails, so the report shows all findings at once. */
export const lintStage: Stage = {
  id: 'S0',
  name: 'lint',
  summary: 'ESLint, tsc --noEmit, shellcheck',
  async run(ctx) {
    await mkdir(reportDir, { recursive: true });
    const eslintJson = path.join(reportDir, 'eslint.json');
    await ctx.run('eslint', ['npx', '--no-install', 'eslint', '.', '--format', 'json', '--output-file', eslintJson], { allowFailure: true });
    const eslint = parseReport<EslintFileResult[]>(await readFile(eslintJson, 'utf8').catch(() => ''), 'eslint');
    const eslintErrors = eslint.reduce((sum, file) => sum + file.errorCount, 0);
    const eslintWarnings = eslint.reduce((sum, file) => sum + file.warningCount, 0);
    for (const file of eslint) {
      for (const m of file.messages) {
        ctx.note(`${path.relative(repoRoot, file.filePath)}:${m.line ?? 0}:${m.column ?? 0} ${m.message} (${m.ruleId ?? 'parse'})`);
      }
    }

    const tscRoot = (await ctx.run('tsc (root)', ['npx', '--no-install', 'tsc', '--noEmit', '--pretty', 'false'], { allowFailure: true })).stdout;
    const tscDagger = (await ctx.run('tsc (dagger module)', ['npx', '--no-install', 'tsc', '--noEmit', '--pretty', 'false', '-p', 'build/dagger'], { allowFailure: true })).stdout;
    const tscDiagnostics = `${tscRoot}${tscDagger}`.split('\n').filter((line) => /error TS\d+/.test(line));

    const scripts = await findShellScripts(repoRoot);
    const shellcheckOut = scripts.length === 0 ? '{"comments":[]}' : (await ctx.run(`shellcheck (${scripts.length} scripts)`, ['shellcheck', '--format', 'json1', ...scripts], { allowFailure: true })).stdout;
    const { comments } = parseReport<{ comments: ShellcheckComment[] }>(shellcheckOut, 'shellcheck');
    for (const c of comments) ctx.note(`${c.file}:${c.line}:${c.column} ${c.level} SC${c.code}: ${c.message}`);

    const report = {
      eslint: { errors: eslintErrors, warnings: eslintWarnings, report: path.relative(repoRoot, eslintJson) },
      tsc: { errors: tscDiagnostics.length, diagnostics: tscDiagnostics },
      shellcheck: { scripts, findings: comments },
    };
    await writeFile(path.join(reportDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);

    const problems = [
      eslintErrors > 0 ? `eslint: ${eslintErrors} errors` : '',
      tscDiagnostics.length > 0 ? `tsc: ${tscDiagnostics.length} errors` : '',
      comments.length > 0 ? `shellcheck: ${comments.length} findings` : '',
    ].filter(Boolean);
    if (problems.length > 0) throw new Error(`${problems.join('; ')} (report: artifacts/lint/report.json)`);
  },
};
