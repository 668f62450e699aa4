import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StageContext } from '../../../../pipeline/step.js';
import type { Layout } from '../layout.js';
import { goSdkModule } from '../pins.js';

/**
 * The commit of dagger.io/dagger the engine's Go SDK asks `go get` for (core/sdk/go_sdk.go goSDKLibVersion): the
 * module proxy refuses to resolve it, so the file proxy answers it as an alias of the release.
 */
export function goSdkLibVersion(layout: Layout): string {
  const file = path.join(layout.source, 'core', 'sdk', 'go_sdk.go');
  const found = /goSDKLibVersion\s*=\s*"([0-9a-f]{40})"/.exec(readFileSync(file, 'utf8'));
  if (!found?.[1]) throw new Error(`no goSDKLibVersion = "<commit>" in ${file}`);
  return found[1];
}

/**
 * Downloads into `modCache` every module the Go SDK needs to build the TypeScript SDK's runtime module, by running on
 * copies of it and of the Go SDK what the engine's codegen runs (`go get dagger.io/dagger@… querybuilder`,
 * `go mod tidy`, `go build`). Modules already in the harness's module cache are taken from there.
 */
export async function primeModules(ctx: StageContext, layout: Layout, work: string, modCache: string): Promise<void> {
  const env = {
    GOMODCACHE: modCache,
    GOCACHE: layout.goBuildCache,
    GOFLAGS: '-mod=mod -buildvcs=false',
    GOTOOLCHAIN: 'local',
    GOPROXY: `file://${path.join(layout.goModCache, 'cache', 'download')},https://proxy.golang.org`,
  };
  const runtime = path.join(work, 'runtime');
  const goSdk = path.join(work, 'sdk-go');
  for (const [from, to] of [
    [path.join(layout.source, 'sdk', 'typescript', 'runtime'), runtime],
    [path.join(layout.source, 'sdk', 'go'), goSdk],
  ] as const) {
    rmSync(to, { recursive: true, force: true });
    cpSync(from, to, { recursive: true });
  }
  await ctx.run('download the Go SDK modules', ['go', 'mod', 'download'], { cwd: goSdk, env });
  const daggerAtRelease = `${goSdkModule.path}@${goSdkModule.version}`;
  await ctx.run(`go get ${daggerAtRelease} (as codegen does)`, ['go', 'get', daggerAtRelease, 'github.com/dagger/querybuilder'], {
    cwd: runtime,
    env,
  });
  await ctx.run('go mod tidy the TypeScript runtime', ['go', 'mod', 'tidy'], { cwd: runtime, env });
  await ctx.run('go build the TypeScript runtime', ['go', 'build', '-o', path.join(work, 'ts-runtime'), '.'], { cwd: runtime, env });
}

/**
 * A GOPROXY=file:// tree of the modules in `modCache` (its cache/download, which is in the proxy's layout), plus
 * `.info` files that alias the Go SDK's commit (full and short, as `go get` may ask either) to its release.
 */
export function writeFileProxy(modCache: string, proxyDir: string, libVersion: string): void {
  rmSync(proxyDir, { recursive: true, force: true });
  mkdirSync(path.dirname(proxyDir), { recursive: true });
  const download = path.join(modCache, 'cache', 'download');
  // Lock files and the checksum database's tiles are the module cache's own, not the proxy protocol.
  cpSync(download, proxyDir, {
    recursive: true,
    filter: (source) => !source.endsWith('.lock') && path.relative(download, source) !== 'sumdb',
  });
  const versions = path.join(proxyDir, ...goSdkModule.path.split('/'), '@v');
  const info = readFileSync(path.join(versions, `${goSdkModule.version}.info`));
  for (const alias of [libVersion, libVersion.slice(0, 12)]) writeFileSync(path.join(versions, `${alias}.info`), info);
}
