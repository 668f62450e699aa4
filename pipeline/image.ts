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
const healthProbe = "fetch('http://127.0.0.1:' + (process.env.BORG_API_PORT || 8080) + '/health').then(async (r) => { console.log(r.status, await r.text()); process.exit(r.ok ? 0 : 1); }, (e) => { console.log(String(e)); process.exit(1); })";

/** Runs the image and asks /health from inside the container until it answers 2xx. */
async function smokeTest(ctx: StageContext, image: string): Promise<void> {
  const name = `borgos-smoke-${process.pid}`;
  await ctx.run('docker run (smoke test)', ['docker', 'run', '--detach', '--name', name, image]);
  try {
    const deadline = Date.now() + healthTimeoutMs;
    for (;;) {
      const probe = await ctx.run('GET /health inside the container', ['docker', 'exec', name, 'node', '-e', healthProbe], { allowFailure: true });
      if (probe.exitCode === 0) {
        ctx.say(`/health from inside the container: ${probe.stdout.trim()}`);
        break;
      }
      const state = (await ctx.run('container state', ['docker', 'inspect', '--format', '{{.State.Status}}', name])).stdout.trim();
      if (state !== 'running' || Date.now() > deadline) {
        await ctx.run('container logs', ['docker', 'logs', '--tail', '50', name], { allowFailure: true });
        throw new Error(`the image never answered /health (container ${state}); its last log lines are in the stage log`);
      }
      await sleep(3000);
    }
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
