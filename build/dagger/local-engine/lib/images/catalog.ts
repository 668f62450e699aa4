import type { ImageConfig } from '../oci.js';
import { bun, type GoToolchain, go125, yarn } from './pins.js';

/** One image the engine pulls from its docker.io mirror: its repository and tag there, its layers and config. */
export interface ImageRecipe {
  /** Repository as docker.io names it (`library/debian`). */
  readonly name: string;
  readonly tag: string;
  /** Layer recipes by name, bottom first. */
  readonly layers: readonly string[];
  /** The config, given the host Node version the node layer carries (NODE_VERSION, like the official images). */
  readonly config: (nodeVersion: string) => ImageConfig;
  /** One line for --help: how it differs from the official image. */
  readonly differs: string;
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Node inside containers goes through this machine's intercepting TLS proxy, whose CA the engine adds to this bundle. */
const nodeEnv = (nodeVersion: string): string[] => [
  `PATH=${PATH}`,
  `NODE_VERSION=${nodeVersion.replace(/^v/, '')}`,
  `YARN_VERSION=${yarn.version}`,
  'NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
];

const nodeSlim: ImageRecipe = {
  name: 'library/node',
  tag: '20-bookworm-slim',
  layers: ['debian', 'node'],
  config: (nodeVersion) => ({ Env: nodeEnv(nodeVersion), Cmd: ['node'] }),
  differs: "the host's Node 20 and npm; no docker-entrypoint.sh; NODE_EXTRA_CA_CERTS set",
};

/** golang:<minor>-bookworm: Go at /usr/local/go over Debian with cgo's tools, GOPATH /go, no toolchain switching. */
const golangImage = (minor: string, toolchain: GoToolchain): ImageRecipe => ({
  name: 'library/golang',
  tag: `${minor}-bookworm`,
  layers: ['debian', 'go-build-deps', `go-${minor}`],
  config: () => ({
    Env: [`PATH=/go/bin:/usr/local/go/bin:${PATH}`, `GOLANG_VERSION=${toolchain.goVersion}`, 'GOTOOLCHAIN=local', 'GOPATH=/go'],
    Cmd: ['bash'],
    WorkingDir: '/go',
  }),
  differs: `Go ${toolchain.goVersion} from the module proxy's toolchain module; gcc, git and a few tools, not all of buildpack-deps-scm`,
});

export const imageRecipes: readonly ImageRecipe[] = [
  {
    name: 'library/debian',
    tag: '12',
    layers: ['debian'],
    // For node copied in from a node image (the module's ISO container does that): see nodeEnv.
    config: () => ({ Env: [`PATH=${PATH}`, 'NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt'], Cmd: ['bash'] }),
    differs: "debootstrap minbase of today's bookworm; same apt sources and docker-* apt settings; NODE_EXTRA_CA_CERTS set",
  },
  nodeSlim,
  {
    name: 'library/node',
    tag: '20-bookworm',
    layers: ['debian', 'node-build-deps', 'node'],
    // node-gyp cannot download Node's headers here: it takes them from the image's own /usr/local/include/node.
    config: (nodeVersion) => ({ Env: [...nodeEnv(nodeVersion), 'npm_config_nodedir=/usr/local'], Cmd: ['node'] }),
    differs: 'build-essential, python3, git and a few tools instead of all of buildpack-deps; npm_config_nodedir set',
  },
  golangImage('1.25', go125),
  {
    name: 'borgos/dagger-ts-node',
    tag: '20',
    layers: [...nodeSlim.layers, 'apk-stub'],
    config: nodeSlim.config,
    differs: 'node:20-bookworm-slim plus a stub /sbin/apk exiting 0, for the TypeScript SDK runtime (it expects Alpine)',
  },
  {
    name: 'borgos/dagger-ts-bun',
    tag: bun.version,
    layers: ['debian', 'bun'],
    config: () => ({ Env: [`PATH=${PATH}`], Cmd: ['/usr/local/bin/bun'] }),
    differs: `debian:12 plus bun ${bun.version} from npm, for the TypeScript SDK runtime (upstream: oven/bun alpine)`,
  },
];

/** `library/node:20-bookworm` */
export const imageRef = (image: Pick<ImageRecipe, 'name' | 'tag'>): string => `${image.name}:${image.tag}`;
