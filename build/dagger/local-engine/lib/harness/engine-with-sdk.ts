import { existsSync } from 'node:fs';
import type { StageContext } from '../../../../pipeline/step.js';
import { startEngine } from '../engine/start.js';
import type { RunningEngine } from '../engine/start.js';
import type { Layout } from '../layout.js';
import { sdkStamp } from '../sdk/content.js';
import { sdkEngineSetup } from '../sdk/engine-setup.js';

/**
 * The engine as modules need it: with the Go and TypeScript SDK content (sdk-content.ts) where it looks for them.
 * Without that content it still runs containers (`dagger --no-mod`), and says that modules will not load.
 */
export async function startEngineWithSdk(layout: Layout, ctx: StageContext): Promise<RunningEngine> {
  if (!(['go', 'typescript'] as const).every((sdk) => existsSync(sdkStamp(layout, sdk)))) {
    ctx.say(`no SDK content in ${layout.sdk}: modules will not load (build.ts or sdk-content.ts makes it)`);
    return startEngine(layout, ctx);
  }
  const sdk = await sdkEngineSetup(layout);
  return startEngine(layout, ctx, { env: sdk.env, binds: [sdk.builtinContent] });
}
