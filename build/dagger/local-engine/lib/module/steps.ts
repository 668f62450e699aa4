import { rmSync } from 'node:fs';
import path from 'node:path';
import { outDir } from '../../../../pipeline/paths.js';
import { lineCoverageThreshold } from '../../../../pipeline/test.js';
import type { Step } from '../step.js';
import { checkLintArtifacts, checkTestArtifacts, MODULE_FUNCTIONS, missingFunctions } from './artifacts.js';
import { imageAnswersHealth } from './image-health.js';
import type { EngineSession } from './session.js';

/** Where `dagger call … export` puts what the module returns (git-ignored). */
export const moduleOutDir = path.join(outDir, 'dagger');

/** The checks `npm run test:dagger` runs against this checkout's module, on the session's engine. */
export function moduleSteps(session: EngineSession): Step[] {
  const exported = (name: string) => {
    const dir = path.join(moduleOutDir, name);
    rmSync(dir, { recursive: true, force: true });
    return dir;
  };
  return [
    {
      name: 'functions',
      summary: `dagger functions lists ${MODULE_FUNCTIONS.join(', ')}`,
      options: [],
      async run(_layout, _options, ctx) {
        const listing = await session.dagger(ctx, 'dagger functions', ['functions']);
        const missing = missingFunctions(listing.stdout);
        if (missing.length > 0) throw new Error(`dagger functions does not list ${missing.join(', ')}`);
        ctx.say(`lists ${MODULE_FUNCTIONS.join(', ')}`);
      },
    },
    {
      name: 'lint',
      summary: 'dagger call lint, its artifacts exported to out/dagger/lint and checked',
      options: [],
      async run(_layout, _options, ctx) {
        const dir = exported('lint');
        await session.dagger(ctx, 'dagger call lint', ['call', 'lint', 'export', '--path', dir]);
        ctx.say(checkLintArtifacts(dir));
      },
    },
    {
      name: 'test',
      summary: `dagger call test, its JUnit and coverage exported to out/dagger/test; coverage ≥ ${lineCoverageThreshold}%`,
      options: [],
      async run(_layout, _options, ctx) {
        const dir = exported('test');
        await session.dagger(ctx, 'dagger call test', ['call', 'test', ...session.temporalCliArgs, 'export', '--path', dir]);
        ctx.say(checkTestArtifacts(dir, lineCoverageThreshold));
      },
    },
    {
      name: 'image',
      summary: 'dagger call image, then a container of it run as a service: /health answers through a tunnel to the host',
      options: [],
      async run(_layout, _options, ctx) {
        // Built first, so that the wait for /health below counts from a built image.
        await session.dagger(ctx, 'dagger call image', ['call', 'image', ...session.temporalCliArgs]);
        ctx.say(`GET /health: ${await imageAnswersHealth(ctx, session.daggerBin, session.cliEnv, session.temporalCliArgs)}`);
      },
    },
    {
      name: 'build-iso',
      summary: 'with --iso: dagger call build-iso --profile edge-iot, the ISO exported to out/dagger/iso',
      options: ['iso'],
      async run(_layout, options, ctx) {
        if (!options.iso) return ctx.say('skipped (no --iso)');
        const file = path.join(exported('iso'), 'borgos-edge-iot.iso');
        await session.dagger(ctx, 'dagger call build-iso', ['call', 'build-iso', '--profile', 'edge-iot', 'export', '--path', file]);
        ctx.say(`exported ${file}`);
      },
    },
  ];
}
