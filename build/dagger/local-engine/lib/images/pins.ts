import type { ProxyModule } from '../pins.js';

/** Debian release of every base image, fetched from the mirror the official images name (the host's mirror too). */
export const debian = {
  suite: 'bookworm',
  mirror: 'http://deb.debian.org/debian',
  securityMirror: 'http://deb.debian.org/debian-security',
} as const;

/** A Go release, as the go command fetches it for GOTOOLCHAIN: a module from the proxy, checked against sum.golang.org. */
export type GoToolchain = ProxyModule & { readonly goVersion: string };

const goToolchain = (goVersion: string, sum: string): GoToolchain => ({
  goVersion,
  path: 'golang.org/toolchain',
  version: `v0.0.1-go${goVersion}.linux-amd64`,
  sum,
});

/** golang:1.25-bookworm: the Temporal CLI the module installs (v1.5.1) needs Go 1.25, and the images set GOTOOLCHAIN=local. */
export const go125 = goToolchain('1.25.14', 'h1:XriDgll2yv4W2YeUo2X/WuUuy+iGJkXGH0CQloMBEXo=');

/** A package from the npm registry, checked against the integrity npm reports for the tarball it downloaded. */
export interface NpmTarball {
  readonly spec: string;
  readonly version: string;
  readonly integrity: string;
}

/** Yarn classic, which the official node images carry at /opt/yarn-v<version>. */
export const yarn: NpmTarball = {
  spec: 'yarn@1.22.22',
  version: '1.22.22',
  integrity: 'sha512-prL3kGtyG7o9Z9Sv8IPfBNrWTDmXB4Qbes8A9rEzt6wkJV8mUvoirjU0Mp3GGAU06Y0XQyA3/2/RQFVuK7MTfg==',
};

/** Bun for the TypeScript SDK runtime's bun image (the version its tsdistconsts name). */
export const bun: NpmTarball = {
  spec: '@oven/bun-linux-x64@1.3.0',
  version: '1.3.0',
  integrity: 'sha512-sGEWoJQXO4GDr0x4t/yJQ/Bq1yNkOdX9tHbZZ+DBGJt3z3r7jeb4Digv8xQUk6gdTFC9vnGHuin+KW3/yD1Aww==',
};

/** The Node major the node images carry; the host's Node (the one running the harness) is copied in. */
export const NODE_MAJOR = 20;

/**
 * What node:20-bookworm needs besides Debian to compile native addons (better-sqlite3): a small part of
 * buildpack-deps:bookworm, which the official image is built on.
 */
export const nodeBuildPackages: readonly string[] = [
  'build-essential',
  'python3',
  'git',
  'ca-certificates',
  'curl',
  'gnupg',
  'netbase',
  'openssh-client',
  'procps',
  'xz-utils',
  'unzip',
  'pkg-config',
];

/** What golang:1.25-bookworm carries besides Debian, as the official image does (cgo and module fetching over git). */
export const goBuildPackages: readonly string[] = [
  'ca-certificates',
  'curl',
  'git',
  'gcc',
  'g++',
  'libc6-dev',
  'make',
  'pkg-config',
  'netbase',
  'openssh-client',
  'procps',
];
