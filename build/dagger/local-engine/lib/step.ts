import type { StageContext } from '../../../pipeline/step.js';
import type { Layout } from './layout.js';

/** What the command line gave every step. */
export interface HarnessOptions {
  /** Where the vendored tarballs are (sources only). */
  readonly vendorDir: string;
  /** Go's parallelism (-p and GOMAXPROCS), to leave cores to other work; unset: Go's default, every core. */
  readonly jobs: number | undefined;
  /** Remake every piece even when its stamp matches. */
  readonly force: boolean;
  /** Also build the ISO on the engine (test-module.ts). */
  readonly iso?: boolean;
}

/** Options only some steps read; a script offers the ones its steps use. */
export type StepOption = 'vendor' | 'jobs' | 'iso';

/** One job of the harness, with its own log at `<cache>/logs/<name>.log`. */
export interface Step {
  readonly name: string;
  /** One line for --help. */
  readonly summary: string;
  readonly options: readonly StepOption[];
  run(layout: Layout, options: HarnessOptions, ctx: StageContext): Promise<void>;
}
