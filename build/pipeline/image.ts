import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureLocalBaseImage, localBaseImage } from './base-image.js';
import { assembleImageContext, imageContextDir } from './image-context.js';
import { packageVersion } from './package-version.js';
import { outDir } from './paths.js';
import type { Stage } from './stage.js';
import type { StageContext } from './step.js';

export const imageDir = path.join(outDir, 'image');
const healthTimeoutMs = 180_000;
const healthProbe =
  "fetch('http://127.0.0.1:' + (process.env.BORG_API_PORT || 8080) + '/health').then(async (r) => { console.log(r.status, await r.text()); process.exit(r.ok ? 0 : 1); }, (e) => { console.log(String(e)); process.exit(1); })";

/** Polls until check() returns a value or the container stops or the deadline passes. */
async function waitFor(
  ctx: StageContext,
  name: string,
  what: string,
  deadline: number,
  check: () => Promise<string | undefined>,
): Promise<string> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    const state = (
      await ctx.run('container state', ['docker', 'inspect', '--format', '{{.State.Status}}', name], { quiet: true })
    ).stdout.trim();
    if (state !== 'running' || Date.now() > deadline) {
      await ctx.run('container logs', ['docker', 'logs', '--tail', '50', name], { allowFailure: true, quiet: true });
      throw new Error(`${what} never came (container ${state}); its last log lines are in the stage log`);
    }
    await sleep(3000);
  }
}

/**
 * Runs the image with its defaults (embedded Temporal) and proves it from inside the
 * container: /health answers 2xx, the process is not root, Docker's HEALTHCHECK turns healthy.
 */
async function smokeTest(ctx: StageContext, image: string): Promise<void> {
  const name = `borgos-smoke-${process.pid}`;
  await ctx.run('docker run (smoke test)', ['docker', 'run', '--detach', '--name', name, image]);
  try {
    const deadline = Date.now() + healthTimeoutMs;
    const startedAt = performance.now();
    ctx.say('waiting for /health inside the container …');
    const health = await waitFor(ctx, name, 'a 2xx from /health', deadline, async () => {
      const probe = await ctx.run('GET /health', ['docker', 'exec', name, 'node', '-e', healthProbe], { allowFailure: true, quiet: true });
      return probe.exitCode === 0 ? probe.stdout.trim() : undefined;
    });
    ctx.say(`/health from inside the container after ${((performance.now() - startedAt) / 1000).toFixed(1)}s: ${health}`);
    const user = (await ctx.run('user inside the container', ['docker', 'exec', name, 'id', '-un'])).stdout.trim();
    if (user === 'root') throw new Error('the image runs as root');
    ctx.say(`runs as user ${user}`);
    const status = await waitFor(ctx, name, 'a healthy HEALTHCHECK', deadline, async () => {
      const probe = await ctx.run('health status', ['docker', 'inspect', '--format', '{{.State.Health.Status}}', name], { quiet: true });
      return probe.stdout.trim() === 'healthy' ? 'healthy' : undefined;
    });
    ctx.say(`Docker HEALTHCHECK: ${status}`);
  } finally {
    await ctx.run('docker rm', ['docker', 'rm', '--force', name], { allowFailure: true });
  }
}

/** S3: assemble the context, build with the local Docker engine, save a tarball, prove /health. */
export const imageStage: Stage = {
  id: 'S3',
  name: 'image',
  summary: 'OCI image of the control plane (API + worker), smoke-tested',
  async run(ctx, options) {
    await assembleImageContext(ctx);
    if (options.contextOnly) return;
    const info = await ctx.run('docker engine reachable?', ['docker', 'info', '--format', '{{.ServerVersion}}'], { allowFailure: true });
    if (info.exitCode !== 0) throw new Error('no Docker engine answers: install docker.io and start dockerd (see docs/pipeline.md)');
    if (options.baseImage === undefined) await ensureLocalBaseImage(ctx);
    const baseImage = options.baseImage ?? localBaseImage;
    const tag = options.imageTag ?? `borgos:${packageVersion}`;
    // The classic builder reads the same Dockerfile; BuildKit needs buildx, which Debian's docker.io lacks.
    const buildx = await ctx.run('buildx available?', ['docker', 'buildx', 'version'], { allowFailure: true });
    await ctx.run(`docker build ${tag}`, ['docker', 'build', '--build-arg', `BASE_IMAGE=${baseImage}`, '--tag', tag, imageContextDir], {
      env: buildx.exitCode === 0 ? {} : { DOCKER_BUILDKIT: '0' },
    });
    const bytes = Number((await ctx.run('image size', ['docker', 'image', 'inspect', '--format', '{{.Size}}', tag])).stdout.trim());
    ctx.say(`${tag}: ${(bytes / 2 ** 20).toFixed(0)} MiB`);
    await mkdir(imageDir, { recursive: true });
    const tarball = path.join(imageDir, `borgos-${packageVersion}.tar`);
    await ctx.run(`docker save → out/image/${path.basename(tarball)}`, ['docker', 'save', '--output', tarball, tag]);
    await smokeTest(ctx, tag);
  },
};
