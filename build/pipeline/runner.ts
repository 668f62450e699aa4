import path from 'node:path';
import { openStageContext } from './step.js';
import type { Stage } from './stage.js';
import type { PipelineOptions } from './cli.js';

/** How one stage ended; `ci` prints these as its summary. */
export interface StageOutcome {
  readonly stage: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly logPath: string;
  readonly error?: string;
}

export interface RunnerIo {
  readonly print: (line: string) => void;
  readonly logsDir: string;
}

/**
 * Runs stages in order, each with its own log file, and stops at the first failure:
 * later stages consume earlier stages' outputs, so running them would only add noise.
 */
export async function runStages(stages: readonly Stage[], options: PipelineOptions, io: RunnerIo): Promise<StageOutcome[]> {
  const outcomes: StageOutcome[] = [];
  for (const [index, stage] of stages.entries()) {
    const logPath = path.join(io.logsDir, `${stage.name}.log`);
    io.print(`▶ [${index + 1}/${stages.length}] ${stage.id} ${stage.name}: ${stage.summary}`);
    const ctx = openStageContext(logPath, options.verbose, io.print);
    const startedAt = performance.now();
    let error: string | undefined;
    try {
      await stage.run(ctx, options);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      ctx.note(`stage failed: ${error}`);
    } finally {
      await ctx.close();
    }
    const seconds = (performance.now() - startedAt) / 1000;
    const relLog = path.relative(process.cwd(), logPath) || logPath;
    if (error === undefined) {
      io.print(`✔ ${stage.id} ${stage.name} passed in ${seconds.toFixed(1)}s (log: ${relLog})`);
      outcomes.push({ stage: stage.name, ok: true, seconds, logPath });
    } else {
      // Every line of the error, indented under the summary: a profile's issues are all worth fixing in one go.
      const [first, ...rest] = error.split('\n');
      io.print(`✘ ${stage.id} ${stage.name} FAILED after ${seconds.toFixed(1)}s: ${first ?? ''}`);
      for (const line of rest) io.print(`    ${line}`);
      io.print(`  log: ${relLog}`);
      outcomes.push({ stage: stage.name, ok: false, seconds, logPath, error });
      break;
    }
  }
  return outcomes;
}
