import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { artifactsDir, repoRoot } from './paths.js';
import { findShellScripts } from './shell-scripts.js';
import type { Stage } from './stage.js';

interface EslintFileResult {
  readonly filePath: string;
  readonly errorCount: number;
  readonly warningCount: number;
  readonly messages: readonly {
    readonly line?: number;
    readonly column?: number;
    readonly ruleId: string | null;
    readonly message: string;
  }[];
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

/** What `prettier --check` said on stderr: files it would format, and files it could not parse. */
export function prettierFindings(stderr: string): { unformatted: string[]; unparsable: string[] } {
  // Prettier colours its labels whenever FORCE_COLOR is set, even to 0 as the step runner sets it.
  const lines = stripVTControlCharacters(stderr).split('\n');
  const unformatted = lines
    .map((line) => /^\[warn\] (.+)$/.exec(line)?.[1])
    .filter((file): file is string => file !== undefined && !file.startsWith('Code style issues'));
  // An error's first line names the file; the lines after it show the code, and start with `>`, `|` or a space.
  const unparsable = lines
    .map((line) => /^\[error\] ([^\s>|][^:]*): /.exec(line)?.[1])
    .filter((file): file is string => file !== undefined);
  return { unformatted, unparsable: [...new Set(unparsable)] };
}

/** S0: every linter runs even after one fails, so the report shows all findings at once. */
export const lintStage: Stage = {
  id: 'S0',
  name: 'lint',
  summary: 'ESLint, Prettier, tsc --noEmit, shellcheck',
  async run(ctx) {
    await mkdir(reportDir, { recursive: true });
    const eslintJson = path.join(reportDir, 'eslint.json');
    await ctx.run('eslint', ['npx', '--no-install', 'eslint', '.', '--format', 'json', '--output-file', eslintJson], {
      allowFailure: true,
    });
    const eslint = parseReport<EslintFileResult[]>(await readFile(eslintJson, 'utf8').catch(() => ''), 'eslint');
    const eslintErrors = eslint.reduce((sum, file) => sum + file.errorCount, 0);
    const eslintWarnings = eslint.reduce((sum, file) => sum + file.warningCount, 0);
    for (const file of eslint) {
      for (const m of file.messages) {
        ctx.note(`${path.relative(repoRoot, file.filePath)}:${m.line ?? 0}:${m.column ?? 0} ${m.message} (${m.ruleId ?? 'parse'})`);
      }
    }

    // The options come from .prettierrc.json and what is left out from .prettierignore, both at the root.
    const prettier = await ctx.run('prettier --check', ['npx', '--no-install', 'prettier', '--check', '.'], { allowFailure: true });
    const { unformatted, unparsable } = prettierFindings(prettier.stderr);
    if (prettier.exitCode !== 0 && unformatted.length + unparsable.length === 0) {
      throw new Error(
        `prettier exited with code ${prettier.exitCode ?? 'unknown'} without naming a file: it failed before checking, see the log`,
      );
    }
    for (const file of unformatted) ctx.note(`${file}: not formatted as Prettier would (npx prettier --write ${file})`);
    for (const file of unparsable) ctx.note(`${file}: Prettier could not parse it`);

    const tscRoot = (await ctx.run('tsc (root)', ['npx', '--no-install', 'tsc', '--noEmit', '--pretty', 'false'], { allowFailure: true }))
      .stdout;
    const tscDagger = (
      await ctx.run('tsc (dagger module)', ['npx', '--no-install', 'tsc', '--noEmit', '--pretty', 'false', '-p', 'build/dagger'], {
        allowFailure: true,
      })
    ).stdout;
    const tscDiagnostics = `${tscRoot}${tscDagger}`.split('\n').filter((line) => /error TS\d+/.test(line));

    const scripts = await findShellScripts(repoRoot);
    const shellcheckOut =
      scripts.length === 0
        ? '{"comments":[]}'
        : (await ctx.run(`shellcheck (${scripts.length} scripts)`, ['shellcheck', '--format', 'json1', ...scripts], { allowFailure: true }))
            .stdout;
    const { comments } = parseReport<{ comments: ShellcheckComment[] }>(shellcheckOut, 'shellcheck');
    for (const c of comments) ctx.note(`${c.file}:${c.line}:${c.column} ${c.level} SC${c.code}: ${c.message}`);

    const report = {
      eslint: { errors: eslintErrors, warnings: eslintWarnings, report: path.relative(repoRoot, eslintJson) },
      prettier: { unformatted, unparsable },
      tsc: { errors: tscDiagnostics.length, diagnostics: tscDiagnostics },
      shellcheck: { scripts, findings: comments },
    };
    await writeFile(path.join(reportDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);

    const problems = [
      eslintErrors > 0 ? `eslint: ${eslintErrors} errors` : '',
      unformatted.length > 0 ? `prettier: ${unformatted.length} files not formatted` : '',
      unparsable.length > 0 ? `prettier: ${unparsable.length} files it could not parse` : '',
      tscDiagnostics.length > 0 ? `tsc: ${tscDiagnostics.length} errors` : '',
      comments.length > 0 ? `shellcheck: ${comments.length} findings` : '',
    ].filter(Boolean);
    if (problems.length > 0) throw new Error(`${problems.join('; ')} (report: artifacts/lint/report.json)`);
  },
};
