import type { StageContext } from './step.js';
import type { PipelineOptions } from './cli.js';

/** One row of the stage matrix in DESIGN.md. */
export interface Stage {
  /** Matrix id, e.g. "S0". */
  readonly id: string;
  /** CLI name, e.g. "lint". */
  readonly name: string;
  /** One line for --help. */
  readonly summary: string;
  run(ctx: StageContext, options: PipelineOptions): Promise<void>;
}
