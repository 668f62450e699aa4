import type { StageContext } from '../../../pipeline/step.js';
import type { Layout } from './layout.js';
import type { ProxyModule } from './pins.js';

/**
 * The environment of every go command: module and build caches inside the version's cache directory, go.mod and
 * go.sum updated as the replacements need (-mod=mod), the installed toolchain only (no toolchain download), and no
 * VCS stamping (the version is linked in; the cache may sit inside some other repository).
 */
export function goEnv(layout: Layout, jobs: number | undefined): Record<string, string> {
  return {
    GOMODCACHE: layout.goModCache,
    GOCACHE: layout.goBuildCache,
    GOFLAGS: '-mod=mod -buildvcs=false',
    GOTOOLCHAIN: 'local',
    ...(jobs === undefined ? {} : { GOMAXPROCS: String(jobs) }),
  };
}

interface DownloadReport {
  readonly Dir?: string;
  readonly Sum?: string;
  readonly Error?: string;
}

/**
 * Fetches a module through the module proxy (checked against the checksum database by go) and checks its hash
 * against the pin as well; returns its directory in the module cache, read-only.
 */
export async function downloadModule(ctx: StageContext, layout: Layout, module: ProxyModule): Promise<string> {
  const ref = `${module.path}@${module.version}`;
  const result = await ctx.run(`go mod download ${ref}`, ['go', 'mod', 'download', '-json', ref], {
    // Outside any module, so no go.mod takes part in resolving it.
    cwd: layout.root,
    env: goEnv(layout, undefined),
  });
  const report = JSON.parse(result.stdout) as DownloadReport;
  if (report.Error) throw new Error(`go mod download ${ref}: ${report.Error}`);
  if (report.Sum !== module.sum) throw new Error(`${ref} has hash ${report.Sum ?? 'none'}; expected the pinned ${module.sum}`);
  if (!report.Dir) throw new Error(`go mod download ${ref} named no directory`);
  return report.Dir;
}

export interface Replacement {
  readonly module: string;
  /** Relative to the go.mod's folder, starting with ./ or ../ as go.mod wants a local path. */
  readonly path: string;
}

/** Writes `replace` directives into the go.mod in `dir` with go's own editor, which keeps the rest of the file as it was. */
export async function writeReplacements(ctx: StageContext, dir: string, replacements: readonly Replacement[]): Promise<void> {
  await ctx.run('go mod edit -replace', ['go', 'mod', 'edit', ...replacements.map(({ module, path }) => `-replace=${module}=${path}`)], {
    cwd: dir,
    env: { GOTOOLCHAIN: 'local' },
  });
}
