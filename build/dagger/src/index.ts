/**
 * BorgOS build pipeline as a Dagger module.
 *
 * Every function runs the project's own stage script (`npm run pipeline -- <stage>`) in a
 * container; this module only supplies containers, tools and caches, so the steps are
 * written once and run the same under `dagger call` and on a laptop.
 */
import { argument, type Container, dag, type Directory, type File, func, object, type Secret } from '@dagger.io/dagger';

/** Node 20 on Debian 12: the control plane's toolchain (bookworm's own nodejs is 18). */
const nodeImage = 'node:20-bookworm';
/** The base the control-plane image is built on (the Dockerfile's BASE_IMAGE). */
const runtimeBaseImage = 'node:20-bookworm-slim';
/** Debian 12 for live-build: the ISO must be made by the distribution it ships. */
const isoImage = 'debian:12';
/** The Temporal CLI v1.5.1 needs Go 1.25 or later; the official images set GOTOOLCHAIN=local, so no newer Go is fetched. */
const goImage = 'golang:1.25-bookworm';
/** The Temporal CLI the control plane and its tests run as an embedded dev server. */
const temporalModule = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
const lintPackages = ['shellcheck', 'git'];
/** The suite's ISO tests (build/iso/compare.ts) unpack ISOs and squashfs images. */
const testPackages = ['xorriso', 'squashfs-tools'];
/**
 * The ISO script installs its own build tools (--install-deps) through the cached apt; git dates the build; python3,
 * make and g++ compile better-sqlite3 where its prebuilt binary cannot be downloaded.
 */
const isoPackages = ['git', 'python3', 'make', 'g++'];
const sourceIgnore = ['**/node_modules', 'out', 'data', 'artifacts', 'coverage', '.build', 'build/dagger/sdk'];

interface WorkspaceOptions {
  /** Base image; must be Debian-based so apt works. */
  readonly base?: string;
  /** Debian packages to install (cached). */
  readonly packages?: readonly string[];
  /** This Temporal CLI on PATH. */
  readonly temporal?: File;
}

@object()
export class Borgos {
  /**
   * S0: ESLint, Prettier, tsc --noEmit and shellcheck over the repository; returns the reports (artifacts/).
   */
  @func()
  lint(
    /** The repository checkout. */
    @argument({ defaultPath: '/', ignore: sourceIgnore }) source: Directory,
  ): Directory {
    return this.workspace(source, { packages: lintPackages }).withExec(['npm', 'run', 'pipeline', '--', 'lint']).directory('artifacts');
  }

  /**
   * S1: vitest with coverage, failing under 90% line coverage; returns JUnit and coverage reports (artifacts/).
   */
  @func()
  test(
    /** The repository checkout. */
    @argument({ defaultPath: '/', ignore: sourceIgnore }) source: Directory,
    /** A Temporal CLI v1.5.1 binary (Linux amd64, runs on Debian 12) to use instead of building one, e.g. the host's. */
    temporalCli?: File,
  ): Directory {
    return this.workspace(source, { temporal: temporalCli ?? this.temporalCli(), packages: testPackages })
      .withExec(['npm', 'run', 'pipeline', '--', 'test'])
      .directory('artifacts');
  }

  /**
   * S2: the bootable hybrid ISO of a profile, built with live-build on Debian 12.
   */
  @func()
  async buildIso(
    /** The repository checkout. */
    @argument({ defaultPath: '/', ignore: sourceIgnore }) source: Directory,
    /** Profile name, a file under profiles/. */
    profile = 'edge-iot',
    /** ISO file name without ".iso" (default: borgos-<profile>-<package version>, as npm run iso). */
    isoTag?: string,
  ): Promise<File> {
    const tag = isoTag ?? (await this.defaultIsoTag(source, profile));
    return this.isoBuild(source, profile, tag).file(`out/ISO/${tag}.iso`);
  }

  /**
   * S3: the control-plane image (API + worker, non-root, with a HEALTHCHECK) from the repository's Dockerfile.
   */
  @func()
  image(
    /** The repository checkout. */
    @argument({ defaultPath: '/', ignore: sourceIgnore }) source: Directory,
    /** A Temporal CLI v1.5.1 binary (Linux amd64, runs on Debian 12) to use instead of building one, e.g. the host's. */
    temporalCli?: File,
  ): Container {
    return this.workspace(source, { temporal: temporalCli ?? this.temporalCli() })
      .withExec(['npm', 'run', 'pipeline', '--', 'image', '--context-only'])
      .directory('.build/image')
      .dockerBuild({ buildArgs: [{ name: 'BASE_IMAGE', value: runtimeBaseImage }] });
  }

  /**
   * Builds the control-plane image and pushes it; returns the pushed reference with its digest.
   */
  @func()
  async publishImage(
    /** The repository checkout. */
    @argument({ defaultPath: '/', ignore: sourceIgnore }) source: Directory,
    /** Registry address to push to, e.g. ghcr.io/owner/borgos:0.1.0. */
    address: string,
  ): Promise<string> {
    return this.image(source).publish(address);
  }

  /**
   * S4: SHA256SUMS over the ISO and image tarball, release notes, and a draft GitHub release.
   */
  @func()
  async release(
    /** The repository checkout; include .git for the changelog. */
    @argument({ defaultPath: '/', ignore: sourceIgnore }) source: Directory,
    /** Token allowed to create releases in the repository. */
    githubToken: Secret,
    /** Repository to release in, "owner/name". */
    repository: string,
    /** Release tag (default: v<package version>). */
    releaseTag?: string,
    /** Profile whose ISO is released. */
    profile = 'edge-iot',
  ): Promise<string> {
    const tag = await this.defaultIsoTag(source, profile);
    return this.workspace(source)
      .withDirectory('out/ISO', this.isoBuild(source, profile, tag).directory('out/ISO'))
      .withFile('out/image/borgos-image.tar', this.image(source).asTarball())
      .withEnvVariable('GITHUB_REPOSITORY', repository)
      .withSecretVariable('GITHUB_TOKEN', githubToken)
      .withExec(['npm', 'run', 'pipeline', '--', 'release', ...(releaseTag === undefined ? [] : ['--release-tag', releaseTag])])
      .stdout();
  }

  /**
   * Runs S0 to S3 in order and stops at the first failure; with a token, S4 too. Returns a summary.
   */
  @func()
  async ci(
    /** The repository checkout. */
    @argument({ defaultPath: '/', ignore: sourceIgnore }) source: Directory,
    /** Profile whose ISO is built. */
    profile = 'edge-iot',
    /** Token for the draft release; without it S4 is skipped. */
    githubToken?: Secret,
    /** Repository to release in, "owner/name"; needed with githubToken. */
    repository?: string,
    /** Release tag (default: v<package version>). */
    releaseTag?: string,
  ): Promise<string> {
    if (githubToken !== undefined && repository === undefined) throw new Error('ci: githubToken given without repository ("owner/name")');
    const passed: string[] = [];
    const stage = async (name: string, run: () => Promise<unknown>): Promise<void> => {
      try {
        await run();
      } catch (err) {
        throw new Error(
          `ci failed at stage ${name} (passed: ${passed.join(', ') || 'none'}): ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      }
      passed.push(name);
    };
    await stage('lint', () => this.lint(source).sync());
    await stage('test', () => this.test(source).sync());
    await stage('iso', async () => (await this.buildIso(source, profile)).sync());
    await stage('image', () => this.image(source).sync());
    if (githubToken !== undefined && repository !== undefined) {
      await stage('release', () => this.release(source, githubToken, repository, releaseTag, profile));
    }
    return `ci passed: ${passed.join(', ')}`;
  }

  /** The tag `npm run iso` uses by default, so both runners publish the same file name. */
  private async defaultIsoTag(source: Directory, profile: string): Promise<string> {
    const { version } = JSON.parse(await source.file('package.json').contents()) as { version: string };
    return `borgos-${profile}-${version}`;
  }

  /** The ISO build container, left with out/ISO/ filled in. */
  private isoBuild(source: Directory, profile: string, isoTag: string): Container {
    return this.workspace(source, { base: isoImage, packages: isoPackages })
      .withMountedCache('/root/.cache/borgos/iso', dag.cacheVolume('borgos-iso'))
      .withEnvVariable('ISO_TAG', isoTag)
      .withExec(['npm', 'run', 'pipeline', '--', 'iso', '--profile', profile, '--iso-tag', isoTag], { insecureRootCapabilities: true });
  }

  /** The Temporal CLI, built once and kept in Go's module and build caches. */
  private temporalCli(): File {
    return dag
      .container()
      .from(goImage)
      .withMountedCache('/go/pkg/mod', dag.cacheVolume('borgos-go-mod'))
      .withMountedCache('/root/.cache/go-build', dag.cacheVolume('borgos-go-build'))
      .withEnvVariable('CGO_ENABLED', '0')
      .withExec(['go', 'install', temporalModule])
      .file('/go/bin/temporal');
  }

  /**
   * A Debian container with Node 20, the requested packages and the repository's npm
   * dependencies; apt and npm downloads live in cache volumes shared across runs.
   */
  private workspace(source: Directory, options: WorkspaceOptions = {}): Container {
    let container = dag.container().from(options.base ?? nodeImage);
    if (options.base !== undefined && options.base !== nodeImage) {
      // Node 20 from the official image: Debian's own nodejs is 18. Its headers come along, so node-gyp needs no download.
      container = container
        .withDirectory('/usr/local', dag.container().from(nodeImage).directory('/usr/local'))
        .withEnvVariable('npm_config_nodedir', '/usr/local');
    }
    if (options.packages !== undefined && options.packages.length > 0) {
      container = container
        .withMountedCache('/var/cache/apt/archives', dag.cacheVolume('borgos-apt-archives'))
        .withMountedCache('/var/lib/apt/lists', dag.cacheVolume('borgos-apt-lists'))
        // Debian images delete downloaded packages after install, which would empty the cache.
        .withExec(['rm', '-f', '/etc/apt/apt.conf.d/docker-clean'])
        .withExec(['apt-get', 'update'])
        .withExec(['apt-get', 'install', '-y', '--no-install-recommends', ...options.packages]);
    }
    if (options.temporal !== undefined) container = container.withFile('/usr/local/bin/temporal', options.temporal, { permissions: 0o755 });
    return (
      container
        .withMountedCache('/root/.npm', dag.cacheVolume('borgos-npm'))
        .withDirectory('/src', source)
        .withWorkdir('/src')
        // `npm install`, not `npm ci`: see build/pipeline/image-context.ts on the lockfile.
        .withExec(['npm', 'install', '--no-audit', '--no-fund'])
    );
  }
}
