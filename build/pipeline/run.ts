import path from 'node:path';
import { helpText, parseCommand, UsageError } from './cli.js';
import { artifactsDir } from './paths.js';
import { runStages } from './runner.js';
import { stages } from './stages.js';

/** `npm run pipeline -- <stage>`: the local runner of the build matrix; exit code 2 is a usage error. */
async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommand(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`pipeline: ${err.message}`);
    return 2;
  }
  if (parsed.kind === 'help') {
    console.log(helpText);
    return 0;
  }
  const { command, plan, options } = parsed;
  const startedAt = performance.now();
  const outcomes = await runStages(
    plan.map((name) => stages[name]),
    options,
    { print: (line) => console.log(line), logsDir: path.join(artifactsDir, 'logs') },
  );
  const failed = outcomes.find((o) => !o.ok);
  if (command === 'ci') {
    const total = ((performance.now() - startedAt) / 1000).toFixed(1);
    const summary = outcomes.map((o) => `${o.stage} ${o.ok ? 'ok' : 'FAILED'} ${o.seconds.toFixed(1)}s`).join(', ');
    console.log(
      failed
        ? `ci failed at stage ${failed.stage} after ${total}s (${summary}); log: ${path.relative(process.cwd(), failed.logPath)}`
        : `ci passed in ${total}s (${summary})`,
    );
  }
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
