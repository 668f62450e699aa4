import { spawn } from 'node:child_process';
import type { StageContext } from '../../../../pipeline/step.js';
import { repoRoot } from '../../../../pipeline/paths.js';
import { freePort } from '../free-port.js';

/** From a built image: the container starts an embedded Temporal dev server, then the API (about 15 s on the host). */
const HEALTH_TIMEOUT_MS = 180_000;
const IMAGE_PORT = 8080;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a container of `dagger call image` as a service (its own CMD, user and environment) with its port tunnelled
 * to the host by the CLI, and waits for `GET /health` to answer 2xx. Returns what it answered.
 */
export async function imageAnswersHealth(
  ctx: StageContext,
  daggerBin: string,
  cliEnv: Record<string, string>,
  imageArgs: readonly string[],
): Promise<string> {
  const port = await freePort();
  const args = ['--progress=plain', 'call', 'image', ...imageArgs, 'as-service', 'up', '--ports', `${port}:${IMAGE_PORT}`];
  ctx.note(`$ dagger ${args.join(' ')}`);
  const cli = spawn(daggerBin, args, { cwd: repoRoot, env: { ...process.env, ...cliEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let exited: string | undefined;
  cli.once('exit', (code, signal) => (exited = `dagger call image … up exited (${signal ?? code}) before /health answered`));
  for (const stream of [cli.stdout, cli.stderr]) stream.on('data', (chunk: Buffer) => ctx.note(chunk.toString().trimEnd()));
  try {
    const deadline = Date.now() + HEALTH_TIMEOUT_MS;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (exited) throw new Error(exited);
      try {
        const reply = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5000) });
        const body = await reply.text();
        if (reply.ok) return `${reply.status} ${body.trim().slice(0, 200)}`;
        last = `${reply.status} ${body.slice(0, 200)}`;
      } catch (error) {
        last = (error as Error).message;
      }
      await sleep(2000);
    }
    throw new Error(`GET /health through the tunnel did not answer 2xx within ${HEALTH_TIMEOUT_MS / 1000} s; last: ${last}`);
  } finally {
    if (!exited) {
      const gone = new Promise((resolve) => cli.once('exit', resolve));
      cli.kill('SIGINT');
      await Promise.race([gone, sleep(15_000)]);
      if (!exited) cli.kill('SIGKILL');
    }
  }
}
