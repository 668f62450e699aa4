import path from 'node:path';
import type { StageContext } from '../../../../pipeline/step.js';
import type { StepResult } from '../../../../steps/run-step.js';
import { repoRoot } from '../../../../pipeline/paths.js';
import { startEngineWithSdk } from '../harness/engine-with-sdk.js';
import type { RunningEngine } from '../engine/start.js';
import type { Layout } from '../layout.js';
import type { Step } from '../step.js';
import { hostTemporalCli } from './host-temporal.js';

/** One local engine for a run of the module's checks: started by its step, stopped when the script ends, however it ends. */
export class EngineSession {
  private engine: RunningEngine | undefined;
  private layout: Layout | undefined;
  /** `--temporal-cli <path>` for the functions that take one, or nothing: the module then builds its own. */
  temporalCliArgs: string[] = [];

  readonly startStep: Step = {
    // Not `engine`: that is the name of the engine's own log beside the steps' logs.
    name: 'start-engine',
    summary: 'start the local engine in private namespaces, with the SDK content and the registry of base images',
    options: [],
    run: async (layout, _options, ctx) => {
      this.layout = layout;
      this.engine = await startEngineWithSdk(layout, ctx);
      ctx.say(`engine answering on ${this.engine.socket}; its log: ${this.engine.logFile}`);
      const temporal = hostTemporalCli(process.env);
      this.temporalCliArgs = temporal === undefined ? [] : ['--temporal-cli', temporal];
      ctx.say(
        temporal === undefined
          ? 'no Temporal CLI on this host: the module builds its own'
          : `the module gets this host's Temporal CLI: ${temporal}`,
      );
    },
  };

  /** The CLI's environment: the engine's socket, telemetry off. */
  get cliEnv(): Record<string, string> {
    if (!this.engine) throw new Error('the engine is not running: its step has not run');
    return this.engine.cliEnv;
  }

  get daggerBin(): string {
    if (!this.layout) throw new Error('the engine is not running: its step has not run');
    return path.join(this.layout.bin, 'dagger');
  }

  /** Runs the dagger CLI against this checkout's module, with plain progress into the step's log. */
  dagger(ctx: StageContext, label: string, args: readonly string[]): Promise<StepResult> {
    return ctx.run(label, [this.daggerBin, '--progress=plain', ...args], { cwd: repoRoot, env: this.cliEnv });
  }

  async stop(): Promise<void> {
    const engine = this.engine;
    this.engine = undefined;
    await engine?.stop();
  }
}
