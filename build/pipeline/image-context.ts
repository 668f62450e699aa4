import { access, constants, copyFile, cp, mkdir, readdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { buildDir, repoRoot } from './paths.js';
import type { StageContext } from './step.js';

/** The Docker build context both runners build: Dockerfile, app/ with production node_modules, tools/temporal. */
export const imageContextDir = path.join(buildDir, 'image');

/** What the control plane needs at run time; device/, build/ and test/ stay out of the image. */
const appEntries = ['package.json', 'package-lock.json', 'tsconfig.json', 'src'];
const temporalModule = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
/** Temporal's native bridge ships for five platforms; the image runs on Linux of the build machine's arch. */
const coreBridgeReleases = 'node_modules/@temporalio/core-bridge/releases';
const linuxTriple = process.arch === 'arm64' ? 'aarch64-unknown-linux-gnu' : 'x86_64-unknown-linux-gnu';

const exists = (file: string): Promise<boolean> =>
  access(file, constants.F_OK).then(
    () => true,
    () => false,
  );

/** The Temporal CLI the same way the control plane finds it: PATH first, then Go's bin dir. */
async function findTemporal(): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), path.join(process.env.GOPATH ?? path.join(homedir(), 'go'), 'bin')];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = path.join(dir, 'temporal');
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return undefined;
}

/**
 * Assembles .build/image. Installing production dependencies here rather than in the
 * Dockerfile keeps the Dockerfile free of BuildKit-only cache mounts (the local engine has
 * no buildx) and lets each runner cache npm its own way.
 */
export async function assembleImageContext(ctx: StageContext): Promise<void> {
  await rm(imageContextDir, { recursive: true, force: true });
  const appDir = path.join(imageContextDir, 'app');
  const toolsDir = path.join(imageContextDir, 'tools');
  await mkdir(appDir, { recursive: true });
  await mkdir(toolsDir, { recursive: true });
  for (const entry of appEntries) {
    const from = path.join(repoRoot, entry);
    if (await exists(from)) await cp(from, path.join(appDir, entry), { recursive: true });
  }
  await copyFile(path.join(repoRoot, 'Dockerfile'), path.join(imageContextDir, 'Dockerfile'));
  // Not `npm ci`: the lockfile lacks @swc/core's binaries for other platforms (the registry
  // reachable here does not carry them), and npm ci refuses such a lockfile.
  await ctx.run('npm install --omit=dev', ['npm', 'install', '--omit=dev', '--no-audit', '--no-fund'], { cwd: appDir });
  const releases = path.join(appDir, coreBridgeReleases);
  for (const triple of await readdir(releases).catch(() => [] as string[])) {
    if (triple !== linuxTriple) await rm(path.join(releases, triple), { recursive: true, force: true });
  }

  const temporal = await findTemporal();
  if (temporal === undefined) {
    await ctx.run(`go install ${temporalModule}`, ['go', 'install', temporalModule], { env: { GOBIN: toolsDir } });
  } else {
    ctx.note(`temporal CLI: ${temporal}`);
    await copyFile(temporal, path.join(toolsDir, 'temporal'));
  }
}
