import { existsSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const PATHS = 'import-x/no-restricted-paths';
const WORKFLOW = '@typescript-eslint/no-restricted-imports';
const CYCLE = 'import-x/no-cycle';

// The project's eslint.config.js, as `npm run lint` loads it, with two changes: the files linted here are in no
// tsconfig, so the type-aware rules (which need one) are off; and test/lint/fixtures/, which `eslint .` skips,
// is linted. Every import rule stays as the project configures it.
const eslint = new ESLint({ cwd: root, ignore: false, overrideConfig: tseslint.configs.disableTypeChecked });

/** One problem lint reports; severity 2 is an error, which makes `npm run lint` fail. */
interface Finding {
  rule: string | null;
  line: number;
  severity: number;
}

function findings(result: ESLint.LintResult | undefined): Finding[] {
  return (result?.messages ?? []).map((m) => ({ rule: m.ruleId, line: m.line, severity: m.severity }));
}

/**
 * A file at `file` (it need not exist) that imports each of `allowed`, then each of `forbidden`, one per line,
 * plus `types` as type-only imports at the end. Returns what lint reports, for the forbidden lines to be compared.
 */
async function lintImports(file: string, allowed: string[], forbidden: string[], types: string[] = []) {
  const lines = [
    ...[...allowed, ...forbidden].map((spec, i) => `import * as m${i} from '${spec}';`),
    ...types.map((spec, i) => `import type * as t${i} from '${spec}';`),
    `export { ${[...allowed, ...forbidden].map((_, i) => `m${i}`).join(', ')} };`,
    ...(types.length > 0 ? [`export type { ${types.map((_, i) => `t${i}`).join(', ')} };`] : []),
  ];
  const [result] = await eslint.lintText(`${lines.join('\n')}\n`, { filePath: path.join(root, file) });
  const forbiddenLines = forbidden.map((_, i) => allowed.length + i + 1);
  return { found: findings(result), forbiddenLines };
}

/** The path rule skips an import it cannot resolve, so every relative import here must name a real file. */
function expectResolvable(file: string, specs: string[]): void {
  for (const spec of specs.filter((s) => s.startsWith('.'))) {
    const target = path.resolve(root, path.dirname(file), spec).replace(/\.js$/, '.ts');
    expect(existsSync(target), `${spec} from ${file} should name a real file (${path.relative(root, target)})`).toBe(true);
  }
}

describe('lint keeps the layers apart', () => {
  const cases = [
    {
      name: 'a feature imports core, the HTTP plugins and schemas, audit and its own folder, not another feature',
      file: 'src/features/engines/lint-fixture.ts',
      allowed: [
        './schemas.js',
        '../../core/errors.js',
        '../../http/plugins/errors.js',
        '../../http/schemas/error.js',
        '../../audit/chain.js',
      ],
      forbidden: ['../operators/schemas.js', '../../http/app.js', '../../worker/worker.js', '../../main/start.js'],
    },
    {
      name: 'http imports core, not a feature or audit',
      file: 'src/http/plugins/lint-fixture.ts',
      allowed: ['../../core/errors.js', '../schemas/error.js'],
      forbidden: ['../../features/engines/schemas.js', '../../audit/chain.js', '../../main/start.js'],
    },
    {
      name: 'core imports nothing outside core',
      file: 'src/core/lint-fixture.ts',
      allowed: ['./errors.js'],
      forbidden: ['../http/plugins/errors.js', '../audit/chain.js', '../features/engines/schemas.js', '../worker/worker.js'],
    },
    {
      name: 'audit imports core and http, not a feature',
      file: 'src/audit/lint-fixture.ts',
      allowed: ['../core/errors.js', '../http/schemas/error.js'],
      forbidden: ['../features/engines/schemas.js', '../main/start.js'],
    },
    {
      name: 'the worker imports core, audit and the features, not http or the entry points',
      file: 'src/worker/lint-fixture.ts',
      allowed: ['../core/errors.js', '../audit/chain.js', '../features/engines/schemas.js'],
      forbidden: ['../http/app.js', '../main/start.js'],
    },
    {
      name: 'the entry points import anything',
      file: 'src/main/lint-fixture.ts',
      allowed: ['../core/errors.js', '../http/app.js', '../audit/chain.js', '../features/engines/schemas.js', '../worker/worker.js'],
      forbidden: [],
    },
    {
      name: 'device code imports neither the control plane nor the build side',
      file: 'device/lint-fixture.ts',
      allowed: ['node:path'],
      forbidden: ['../src/core/errors.js', '../build/profile/load-profile.js'],
    },
    {
      name: 'the build side does not import the control plane',
      file: 'build/pipeline/lint-fixture.ts',
      allowed: ['../profile/load-profile.js'],
      forbidden: ['../../src/core/errors.js'],
    },
  ];

  it.each(cases)('$name', async ({ file, allowed, forbidden }) => {
    expectResolvable(file, [...allowed, ...forbidden]);
    const { found, forbiddenLines } = await lintImports(file, allowed, forbidden);
    expect(found).toEqual(forbiddenLines.map((line) => ({ rule: PATHS, line, severity: 2 })));
  });
});

describe('lint keeps workflows deterministic', () => {
  // In the worker's workflows/ folder, where the layers allow every import below: only the workflow rule speaks.
  const file = 'src/worker/workflows/lint-fixture.ts';

  it('allows @temporalio/workflow, other workflow files and types; refuses node:fs, the client and activity code', async () => {
    const { found, forbiddenLines } = await lintImports(
      file,
      ['@temporalio/workflow', './health.js', '../../features/engines/workflows/grant-request.js'],
      ['node:fs', 'fs', '@temporalio/client', '../activities/health.js', '../../features/engines/activities.js', '../../core/time.js'],
      ['node:fs', '../../features/engines/activities.js'],
    );
    expect(found).toEqual(forbiddenLines.map((line) => ({ rule: WORKFLOW, line, severity: 2 })));
  });
});

describe('lint refuses import cycles', () => {
  const lintFixture = async (name: string) => findings((await eslint.lintFiles([`test/lint/fixtures/cycle/${name}`]))[0]);

  it('reports the import that closes a cycle, not the one beside it', async () => {
    // ping.ts line 1 imports pong (which imports ping back); line 2 imports last, which imports nothing.
    expect(await lintFixture('ping.ts')).toEqual([{ rule: CYCLE, line: 1, severity: 2 }]);
    expect(await lintFixture('pong.ts')).toEqual([{ rule: CYCLE, line: 1, severity: 2 }]);
  });

  it('does not count a type-only import back as a cycle', async () => {
    expect(await lintFixture('shape.ts')).toEqual([]);
    expect(await lintFixture('area.ts')).toEqual([]);
  });
});
