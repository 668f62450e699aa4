import path from 'node:path';
import { parseArgs } from 'node:util';
import { openStageContext } from '../../../pipeline/step.js';
import { layout as cacheLayout, vendorDir, versionCacheDir } from './layout.js';
import type { Layout } from './layout.js';
import { DAGGER_VERSION } from './pins.js';
import type { HarnessOptions, Step, StepOption } from './step.js';

/** One script of the harness: its file name under build/dagger/local-engine/, what it is for, and its steps in order. */
export interface Script {
  readonly file: string;
  readonly description: string;
  readonly steps: readonly Step[];
  /** Runs after the steps, however they ended (stops what a step started). */
  readonly cleanup?: () => Promise<void>;
}

const stepOptionHelp: Record<StepOption, string> = {
  vendor: '  --vendor DIR    the vendored tarballs (env BORG_DAGGER_VENDOR; default ../shared/dagger/vendor beside the repository)',
  jobs: '  --jobs N        Go works on N packages at a time with N threads (-p, GOMAXPROCS; default: every core)',
  iso: '  --iso           also dagger call build-iso --profile edge-iot (live-build in a privileged container; minutes)',
};

export function helpText(script: Script): string {
  const used = new Set(script.steps.flatMap((step) => step.options));
  return [
    `usage: npx tsx build/dagger/local-engine/${script.file} [options]`,
    '',
    script.description,
    '',
    'steps:',
    ...script.steps.map((step) => `  ${step.name.padEnd(18)}${step.summary}`),
    '',
    'options:',
    `  --cache DIR     cache base; everything goes under DIR/${DAGGER_VERSION} (env BORG_DAGGER_CACHE; default ~/.cache/borgos/dagger)`,
    ...(Object.keys(stepOptionHelp) as StepOption[]).filter((option) => used.has(option)).map((option) => stepOptionHelp[option]),
    '  --force         remake every piece even when its stamp matches',
    "  -v, --verbose   echo every command's output, not only to the step's log",
    '  -h, --help      show this help',
    '',
    'Each step logs to <cache>/logs/<step>.log. Exit code 0: done; 1: a step failed, named with its log; 2: usage error.',
  ].join('\n');
}

class UsageError extends Error {}

function parse(script: Script, argv: readonly string[]) {
  const used = new Set(script.steps.flatMap((step) => step.options));
  const { values } = parseArgs({
    args: [...argv],
    options: {
      cache: { type: 'string' },
      force: { type: 'boolean', default: false },
      verbose: { type: 'boolean', short: 'v', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      ...(used.has('vendor') ? { vendor: { type: 'string' } } : {}),
      ...(used.has('jobs') ? { jobs: { type: 'string' } } : {}),
      ...(used.has('iso') ? { iso: { type: 'boolean', default: false } } : {}),
    },
    strict: true,
  });
  const jobs = values.jobs as string | undefined;
  if (jobs !== undefined && !/^[1-9][0-9]*$/.test(jobs)) throw new UsageError(`--jobs "${jobs}": expected a positive whole number`);
  const options: HarnessOptions = {
    vendorDir: vendorDir(values.vendor as string | undefined, process.env),
    jobs: jobs === undefined ? undefined : Number(jobs),
    force: values.force,
    iso: values.iso === true,
  };
  return { help: values.help, verbose: values.verbose, root: versionCacheDir(values.cache, process.env), options };
}

const since = (startedAt: number): string => `${((performance.now() - startedAt) / 1000).toFixed(1)}s`;

/** Runs a script's steps in order, each timed and logged; the first failure stops it, naming the step and its log. */
export async function runScript(script: Script, argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parse(script, argv);
  } catch (error) {
    const isUsage =
      error instanceof UsageError ||
      (error instanceof TypeError && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS'));
    if (!isUsage) throw error;
    console.error(`error: ${error.message}; see --help`);
    return 2;
  }
  if (parsed.help) {
    console.log(helpText(script));
    return 0;
  }
  const layout = cacheLayout(parsed.root);
  console.log(`local engine ${DAGGER_VERSION}: cache ${layout.root}`);
  const startedAt = performance.now();
  try {
    return await runSteps(script, layout, parsed, startedAt);
  } finally {
    await script.cleanup?.();
  }
}

async function runSteps(script: Script, layout: Layout, parsed: ReturnType<typeof parse>, startedAt: number): Promise<number> {
  const times: string[] = [];
  for (const step of script.steps) {
    const logPath = path.join(layout.logs, `${step.name}.log`);
    const ctx = openStageContext(logPath, parsed.verbose, (line) => console.log(line));
    const stepStartedAt = performance.now();
    console.log(`[${step.name}]`);
    try {
      await step.run(layout, parsed.options, ctx);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      ctx.note(`error: ${message}`);
      await ctx.close();
      console.error(`error: step ${step.name} failed after ${since(stepStartedAt)}: ${message}\nlog: ${logPath}`);
      return 1;
    }
    await ctx.close();
    const took = since(stepStartedAt);
    times.push(`${step.name} ${took}`);
    console.log(`[${step.name}] done in ${took}; log: ${logPath}`);
  }
  if (script.steps.length > 1) console.log(`${script.file}: ${times.join(', ')}; total ${since(startedAt)}`);
  return 0;
}
