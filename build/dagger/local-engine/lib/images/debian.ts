import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StageContext } from '../../../../pipeline/step.js';
import { debian } from './pins.js';

/** The apt sources of the official image (deb822), not the mirror debootstrap was given. */
export const debianSources = `Types: deb
URIs: ${debian.mirror}
Suites: ${debian.suite} ${debian.suite}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${debian.securityMirror}
Suites: ${debian.suite}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

/** The apt settings the official image adds (debuerreotype's docker-* files): no package caches, no translations. */
export const dockerAptConfig: Readonly<Record<string, string>> = {
  'docker-clean': `DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
`,
  'docker-autoremove-suggests': 'Apt::AutoRemove::SuggestsImportant "false";\n',
  'docker-gzip-indexes': 'Acquire::GzipIndexes "true";\n',
  'docker-no-languages': 'Acquire::Languages "none";\n',
};

/** Everything under `dir`, but not `dir` itself. */
const emptyDir = (dir: string): void => {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) rmSync(path.join(dir, entry), { recursive: true, force: true });
};

/**
 * `debootstrap --variant=minbase` into `root` (emptied first), keeping downloaded packages in `debsCache` so a
 * remake downloads nothing; in private namespaces, so the mounts debootstrap makes cannot outlive it.
 */
export async function debootstrap(ctx: StageContext, root: string, debsCache: string): Promise<void> {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(debsCache, { recursive: true });
  await ctx.run(
    `debootstrap --variant=minbase ${debian.suite}`,
    [
      'unshare',
      '--mount',
      '--pid',
      '--fork',
      '--',
      'debootstrap',
      '--variant=minbase',
      `--cache-dir=${debsCache}`,
      debian.suite,
      root,
      debian.mirror,
    ],
    { env: { LC_ALL: 'C' } },
  );
}

/**
 * Shapes a debootstrapped tree like the official image: its apt sources and settings, no package lists, caches,
 * logs or device nodes, and no trace of this host (resolv.conf and hostname are left empty: the runtime binds them).
 */
export function tidyDebianTree(root: string): void {
  const at = (...parts: string[]): string => path.join(root, ...parts);
  rmSync(at('etc', 'apt', 'sources.list'), { force: true });
  writeFileSync(at('etc', 'apt', 'sources.list.d', 'debian.sources'), debianSources);
  for (const [name, text] of Object.entries(dockerAptConfig)) writeFileSync(at('etc', 'apt', 'apt.conf.d', name), text);
  for (const dir of [
    at('var', 'lib', 'apt', 'lists'),
    at('var', 'cache', 'apt'),
    at('var', 'cache', 'ldconfig'),
    at('dev'),
    at('tmp'),
    at('run'),
  ])
    emptyDir(dir);
  mkdirSync(at('var', 'lib', 'apt', 'lists', 'partial'), { recursive: true });
  for (const log of ['dpkg.log', 'bootstrap.log', 'alternatives.log']) rmSync(at('var', 'log', log), { force: true });
  emptyDir(at('var', 'log', 'apt'));
  writeFileSync(at('etc', 'resolv.conf'), '');
  writeFileSync(at('etc', 'hostname'), '');
}
