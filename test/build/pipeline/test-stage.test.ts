import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../../build/pipeline/paths.js';
import { openStageContext } from '../../../build/pipeline/step.js';
import { runTests } from '../../../build/pipeline/test.js';

let dir: string;
let printed: string[];
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'borg-test-stage-'));
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'));
  printed = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A small project of its own for the stage's vitest: one covered source file, one test, and a config. */
function project(config: string, files: Record<string, string> = {}): string[] {
  const all = {
    'src/add.ts': 'export const add = (a: number, b: number): number => a + b;\n',
    't/add.test.ts': "import { add } from '../src/add';\nit('adds', () => expect(add(1, 2)).toBe(3));\n",
    ...files,
  };
  for (const [name, text] of Object.entries(all)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  writeFileSync(path.join(dir, 'vitest.config.mjs'), `export default ${config};\n`);
  return ['--root', dir, '--config', path.join(dir, 'vitest.config.mjs')];
}

async function stage(vitestArgs: string[]): Promise<void> {
  const ctx = openStageContext(path.join(dir, 'test.log'), false, (line) => printed.push(line));
  try {
    await runTests(ctx, { reportsDir: path.join(dir, 'reports'), vitestArgs });
  } finally {
    await ctx.close();
  }
}

describe('S1 test stage', () => {
  it('passes, saying how many tests ran, when they pass with coverage at the threshold', async () => {
    await stage(project("{ test: { include: ['t/**/*.test.ts'], globals: true } }"));
    expect(printed).toContain('    1 test ran');
  });

  it('fails saying no test ran, not with a coverage figure, when vitest finds no test file', async () => {
    await expect(stage(project("{ test: { include: ['none/**/*.test.ts'], globals: true } }"))).rejects.toThrow(
      /^vitest ran no test: No test files found, exiting with code 1 \(the log has the rest\)$/,
    );
  });

  it("fails naming the error when a global setup fails (Temporal refusing Dagger's OpenTelemetry settings did that)", async () => {
    const setup = {
      'setup.mjs': "export default async function setup() { throw new Error('temporal server exited with code 1 before it was ready'); }\n",
    };
    await expect(
      stage(project("{ test: { include: ['t/**/*.test.ts'], globals: true, globalSetup: ['setup.mjs'] } }", setup)),
    ).rejects.toThrow(/^vitest ran no test: Error: temporal server exited with code 1 before it was ready \(the log has the rest\)$/);
  });
});

describe("the project's tests under Dagger's OpenTelemetry variables", () => {
  it('are all found: the Temporal dev server of the global setup starts with them set', () => {
    const env = {
      ...process.env,
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
    };
    const listed = spawnSync('npx', ['--no-install', 'vitest', 'list', 'test/build/profile', '--json'], {
      cwd: repoRoot,
      env,
      encoding: 'utf8',
    });
    expect(listed.status, listed.stderr).toBe(0);
    const files = new Set((JSON.parse(listed.stdout) as { file: string }[]).map((test) => path.relative(repoRoot, test.file)));
    expect([...files].sort()).toEqual([
      'test/build/profile/check.test.ts',
      'test/build/profile/docs-example.test.ts',
      'test/build/profile/load-profile.test.ts',
    ]);
  });
});
