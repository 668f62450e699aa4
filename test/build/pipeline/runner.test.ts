import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCommand, type PipelineOptions } from '../../../build/pipeline/cli.js';
import { runStages } from '../../../build/pipeline/runner.js';
import type { Stage } from '../../../build/pipeline/stage.js';
import { loadProfile } from '../../../build/profile/load-profile.js';

const parsed = parseCommand(['ci'], {});
const options = (parsed.kind === 'run' ? parsed.options : undefined) as PipelineOptions;
let logsDir: string;
let printed: string[];
let ran: string[];

/** A stage whose steps are real shell commands. */
const shellStage = (name: string, ...scripts: string[]): Stage => ({
  id: `T-${name}`,
  name,
  summary: `runs ${scripts.length} shell steps`,
  async run(ctx) {
    ran.push(name);
    for (const [i, script] of scripts.entries()) await ctx.run(`${name} step ${i + 1}`, ['sh', '-c', script]);
  },
});

beforeEach(() => {
  logsDir = mkdtempSync(path.join(tmpdir(), 'borg-runner-'));
  printed = [];
  ran = [];
});
afterEach(() => rmSync(logsDir, { recursive: true, force: true }));

describe('runStages', () => {
  it('runs stages in order, logs each command output to the stage log and reports elapsed time', async () => {
    const outcomes = await runStages(
      [shellStage('first', 'echo one-out', 'echo one-err >&2'), shellStage('second', 'sleep 0.2; echo two')],
      options,
      { print: (l) => printed.push(l), logsDir },
    );
    expect(ran).toEqual(['first', 'second']);
    expect(outcomes.map((o) => [o.stage, o.ok])).toEqual([
      ['first', true],
      ['second', true],
    ]);
    expect(outcomes[1]?.seconds).toBeGreaterThanOrEqual(0.2);
    const firstLog = readFileSync(path.join(logsDir, 'first.log'), 'utf8');
    expect(firstLog).toContain('one-out');
    expect(firstLog).toContain('one-err');
    expect(readFileSync(path.join(logsDir, 'second.log'), 'utf8')).toContain('two');
    expect(printed).toContainEqual(expect.stringMatching(/^▶ \[1\/2\] T-first first/));
    expect(printed).toContainEqual(expect.stringMatching(/^✔ T-second second passed in \d+\.\ds/));
    expect(printed).toContainEqual(expect.stringMatching(/✓ first step 1 \(\d+\.\ds\)/));
  });

  it('stops at the first failure, naming the stage, the failing step and the log path', async () => {
    const outcomes = await runStages(
      [
        shellStage('good', 'true'),
        shellStage('bad', 'echo before', 'echo "disk full" >&2; exit 3', 'echo never'),
        shellStage('later', 'true'),
      ],
      options,
      { print: (l) => printed.push(l), logsDir },
    );
    expect(ran).toEqual(['good', 'bad']);
    expect(outcomes.map((o) => [o.stage, o.ok])).toEqual([
      ['good', true],
      ['bad', false],
    ]);
    expect(outcomes[1]?.error).toBe('step "bad step 2" exited with code 3: disk full');
    const badLog = readFileSync(path.join(logsDir, 'bad.log'), 'utf8');
    expect(badLog).toContain('disk full');
    expect(badLog).not.toContain('never');
    expect(printed).toContainEqual(
      expect.stringMatching(/^✘ T-bad bad FAILED after \d+\.\ds: step "bad step 2" exited with code 3: disk full$/),
    );
    expect(printed).toContainEqual(`  log: ${path.relative(process.cwd(), path.join(logsDir, 'bad.log'))}`);
  });

  it('reports an error thrown by a stage itself', async () => {
    const broken: Stage = { id: 'T', name: 'broken', summary: 'throws', run: () => Promise.reject(new Error('profile missing')) };
    const outcomes = await runStages([broken], options, { print: (l) => printed.push(l), logsDir });
    expect(outcomes[0]).toMatchObject({ ok: false, error: 'profile missing' });
    expect(readFileSync(path.join(logsDir, 'broken.log'), 'utf8')).toContain('stage failed: profile missing');
  });

  it("shows every line of a failing command's error block under the summary, then the log", async () => {
    const script = [
      'echo "[iso] loading profile" >&2',
      `printf 'error: invalid profile\\nbox.yaml:3:17: services[1]: unknown service "postgres"\\nbox.yaml:4:1: colour: unknown key "colour"\\n' >&2`,
      'exit 1',
    ].join('; ');
    const outcomes = await runStages([shellStage('iso', script)], options, { print: (l) => printed.push(l), logsDir });
    expect(outcomes[0]?.error).toBe(
      'step "iso step 1" exited with code 1: error: invalid profile\nbox.yaml:3:17: services[1]: unknown service "postgres"\nbox.yaml:4:1: colour: unknown key "colour"',
    );
    expect(printed.slice(-4)).toEqual([
      expect.stringMatching(/^✘ T-iso iso FAILED after \d+\.\ds: step "iso step 1" exited with code 1: error: invalid profile$/),
      '    box.yaml:3:17: services[1]: unknown service "postgres"',
      '    box.yaml:4:1: colour: unknown key "colour"',
      `  log: ${path.relative(process.cwd(), path.join(logsDir, 'iso.log'))}`,
    ]);
  });

  it('cuts an error block that goes on and on short, pointing to the log for the rest', async () => {
    const outcomes = await runStages([shellStage('iso', 'echo "error: it broke" >&2; seq 1 100 >&2; exit 1')], options, {
      print: (l) => printed.push(l),
      logsDir,
    });
    const lines = outcomes[0]?.error?.split('\n') ?? [];
    expect(lines).toHaveLength(41);
    expect(lines[0]).toBe('step "iso step 1" exited with code 1: error: it broke');
    expect(lines.at(-2)).toBe('39');
    expect(lines.at(-1)).toBe('… 61 more lines in the log');
  });

  it('shows each issue of a profile error a stage throws', async () => {
    const file = path.join(logsDir, 'box.yaml');
    writeFileSync(file, 'profile: box\ndescription: a box\nservices: [ssh, postgres]\ncolour: blue\n');
    const loads: Stage = {
      id: 'T',
      name: 'loads',
      summary: 'loads a broken profile',
      async run() {
        loadProfile(file);
      },
    };
    await runStages([loads], options, { print: (l) => printed.push(l), logsDir });
    expect(printed.slice(-3)).toEqual([
      expect.stringMatching(new RegExp(`^✘ T loads FAILED after \\d+\\.\\ds: ${file}:3:17: services\\[1\\]: unknown service "postgres"`)),
      expect.stringMatching(new RegExp(`^    ${file}:4:1: colour: unknown key "colour"`)),
      `  log: ${path.relative(process.cwd(), path.join(logsDir, 'loads.log'))}`,
    ]);
  });
});
