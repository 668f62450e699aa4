import { spawn } from 'node:child_process';
import path from 'node:path';
import { constants } from 'node:os';
import { parseArgs } from 'node:util';
import { openStageContext } from '../../pipeline/step.js';
import { startEngineWithSdk } from './lib/harness/engine-with-sdk.js';
import { layout as cacheLayout, versionCacheDir } from './lib/layout.js';
import { DAGGER_VERSION } from './lib/pins.js';

const HELP = `usage: npx tsx build/dagger/local-engine/engine.ts [options] [-- command args…]

Starts the local Dagger ${DAGGER_VERSION} engine in private mount, pid and network namespaces (the host's mounts,
network and iptables stay as they are), with docker-registry over <cache>/registry as docker.io's mirror and a
slirp4netns uplink. Prints the environment the dagger CLI needs (export lines), then runs the command with it and
stops the engine when the command ends (exit code: the command's), or, without a command, serves until SIGINT or
SIGTERM. The engine's state stays in <cache>/engine/state between runs. Needs root.

options:
  --cache DIR     cache base; everything goes under DIR/${DAGGER_VERSION} (env BORG_DAGGER_CACHE; default ~/.cache/borgos/dagger)
  -v, --verbose   echo every command's output, not only to the log
  -h, --help      show this help

Logs: the engine's output in <cache>/logs/engine.log, the start's probes in <cache>/logs/engine-start.log.
Exit code 0: served and stopped; 1: the engine failed to start or stop (named, with its log); 2: usage error;
with a command, the command's exit code.`;

/** Options before `--`, the command after it. */
function parse(argv: readonly string[]) {
  const split = argv.indexOf('--');
  const { values } = parseArgs({
    args: split < 0 ? [...argv] : argv.slice(0, split),
    options: {
      cache: { type: 'string' },
      verbose: { type: 'boolean', short: 'v', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const command = split < 0 ? [] : argv.slice(split + 1);
  if (split >= 0 && command.length === 0) throw new TypeError("nothing after '--': expected a command");
  return { ...values, command };
}

/** Resolves with the first of SIGINT/SIGTERM; both are kept from killing us until the engine is stopped. */
const nextStopSignal = (): Promise<NodeJS.Signals> =>
  new Promise((resolve) => {
    const on = (name: NodeJS.Signals): void => resolve(name);
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });

/** Runs the command with the CLI's environment; its exit code, or 128 + the signal's number as a shell reports it. */
const runCommand = (command: readonly string[], env: Record<string, string>): Promise<number> =>
  new Promise((resolve) => {
    const [program = '', ...args] = command;
    // Ctrl-C reaches the command (same process group); we only wait for it to end, then stop the engine.
    const ignore = (): void => undefined;
    process.on('SIGINT', ignore);
    process.on('SIGTERM', ignore);
    const child = spawn(program, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    child.once('error', (error) => {
      console.error(`error: could not run ${program}: ${error.message}`);
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });

async function main(argv: readonly string[]): Promise<number> {
  let options;
  try {
    options = parse(argv);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    console.error(`error: ${error.message}; see --help`);
    return 2;
  }
  if (options.help) {
    console.log(HELP);
    return 0;
  }
  const layout = cacheLayout(versionCacheDir(options.cache, process.env));
  const startLog = path.join(layout.logs, 'engine-start.log');
  const ctx = openStageContext(startLog, options.verbose, (line) => console.error(line));
  console.error(`local engine ${DAGGER_VERSION}: cache ${layout.root}`);
  let engine;
  try {
    engine = await startEngineWithSdk(layout, ctx);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ctx.note(`error: ${message}`);
    await ctx.close();
    console.error(`error: starting the engine failed: ${message}\nlog: ${startLog}`);
    return 1;
  }
  // Stdout carries only the environment, so that `eval "$(engine.ts … )"`-style use and scripts can read it.
  for (const [name, value] of Object.entries(engine.cliEnv)) console.log(`export ${name}=${value}`);
  let code = 0;
  if (options.command.length > 0) code = await runCommand(options.command, engine.cliEnv);
  else console.error(`engine ready; stop with SIGINT or SIGTERM (signal ${await nextStopSignal()} received)`);
  console.error('stopping the engine …');
  try {
    await engine.stop();
  } catch (error) {
    console.error(`error: stopping the engine failed: ${error instanceof Error ? error.message : String(error)}\nlog: ${engine.logFile}`);
    code = code || 1;
  }
  await ctx.close();
  console.error('engine stopped');
  return code;
}

process.exitCode = await main(process.argv.slice(2));
