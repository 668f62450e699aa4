/**
 * What the local engine is built from, pinned. RECIPE.md (../shared/dagger/) records that exactly these versions build
 * and run here: v0.21.9 does not build, and the module proxy refuses the four vendored modules (403).
 */
export const DAGGER_VERSION = 'v0.21.8';

/** A module fetched from the Go module proxy; `sum` is go.sum's h1 hash, checked besides the checksum database. */
export interface ProxyModule {
  readonly path: string;
  readonly version: string;
  readonly sum: string;
}

/** The whole Dagger source, except the nested modules the zip leaves out. */
export const daggerModule: ProxyModule = {
  path: 'github.com/dagger/dagger',
  version: DAGGER_VERSION,
  sum: 'h1:2BQXPly/KRgbjMLNjbh2kz5+zVOlIaFAk9A8t1oGCFk=',
};

/** The Go SDK, which Dagger's go.mod replaces with `./sdk/go`: copied there. */
export const goSdkModule: ProxyModule = {
  path: 'dagger.io/dagger',
  version: DAGGER_VERSION,
  sum: 'h1:SJh8ctJLRNReUGR9hBgJBtnL6vYF4dsWASvvNSciyhY=',
};

/** A Go module inside a vendored tarball: the folder (relative to where it is unpacked) and the path its go.mod declares. */
export interface VendoredModule {
  readonly dir: string;
  readonly module: string;
}

/** A tarball from the vendor folder, with the size and SHA-256 it must have before it is unpacked. */
export interface VendoredTarball {
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
  /** `source`: into the Dagger tree, adding the nested modules it lacks; `replacement`: a dependency go.mod replaces. */
  readonly role: 'source' | 'replacement';
  readonly modules: readonly VendoredModule[];
}

export const vendoredTarballs: readonly VendoredTarball[] = [
  {
    file: 'dagger-v0.21.8-nested.tar.xz',
    bytes: 67_732,
    sha256: '17ad1eaed7a22167f3b977a31894218e38388b564fedf7188a4d864e9df0ef93',
    role: 'source',
    modules: [
      { dir: 'engine/distconsts', module: 'github.com/dagger/dagger/engine/distconsts' },
      { dir: 'sdk/typescript/runtime', module: 'typescript-sdk' },
    ],
  },
  {
    file: 'tuist.tar.xz',
    bytes: 724_968,
    sha256: '107a842ffff683f80a0af15ea2f322253f0e9316487821fa8875a036765cf37b',
    role: 'replacement',
    modules: [{ dir: 'tuist', module: 'github.com/vito/tuist' }],
  },
  {
    // The whole repository at de388bf31342; only its teav1/ module is used, at the commit go.mod asks for.
    file: 'tuist-teav1-full.tar.xz',
    bytes: 724_908,
    sha256: '124170611800e9bedb574a382472e93d28700757a75819dd50e3d8feb6f3aa23',
    role: 'replacement',
    modules: [{ dir: 'tuist-teav1-full/teav1', module: 'github.com/vito/tuist/teav1' }],
  },
  {
    file: 'midterm.tar.xz',
    bytes: 34_500,
    sha256: '3ee1ac2d681f158f6073999ba27d2613a114b4f6e4d8b40334de3e4d372c0644',
    role: 'replacement',
    modules: [{ dir: 'midterm', module: 'github.com/vito/midterm' }],
  },
  {
    file: 'dang-v2.tar.xz',
    bytes: 615_532,
    sha256: 'b781cf3e1ee9e6dd750c306dd1a169c182e990908ab12cd48f3fcb3533b7f6e7',
    role: 'replacement',
    modules: [{ dir: 'dang-v2', module: 'github.com/vito/dang/v2' }],
  },
];

/** One binary of the engine's toolchain, built from the Dagger tree into `<cache>/bin/<name>`. */
export interface GoTarget {
  readonly name: string;
  readonly pkg: string;
  readonly tags: readonly string[];
  /** Static, for binaries that run inside containers whose libc is not the host's. */
  readonly static: boolean;
}

export const goTargets: readonly GoTarget[] = [
  { name: 'dagger', pkg: './cmd/dagger', tags: [], static: false },
  // The Dockerfile frontend features the upstream engine image is built with.
  { name: 'engine', pkg: './cmd/engine', tags: ['dfexcludepatterns', 'dfparents'], static: false },
  // Mounted into every container as its init.
  { name: 'init', pkg: './cmd/init', tags: [], static: true },
  // The CNI plugin the engine runs on the host for container DNS.
  { name: 'dnsname', pkg: './cmd/dnsname', tags: [], static: false },
  // Goes into the SDK content, which runs in containers.
  { name: 'codegen', pkg: './cmd/codegen', tags: [], static: true },
];

/** Filled in at link time; unset, the binaries call themselves a dev build and the version checks between CLI, engine and module go by that. */
export const versionLdflags = [
  `-X github.com/dagger/dagger/engine.Version=${DAGGER_VERSION}`,
  `-X github.com/dagger/dagger/engine.Tag=${DAGGER_VERSION}`,
].join(' ');

/** Debian packages the engine runs at run time (RECIPE.md); unpacked, never installed. */
export const runtimePackages: readonly string[] = [
  'runc',
  'containernetworking-plugins',
  'dnsmasq-base',
  'iptables',
  'tini',
  'busybox-static',
  'slirp4netns',
  'docker-registry',
];
