import type { ProxyModule } from '../pins.js';

/**
 * The Go toolchain of the Go SDK content: upstream builds it `FROM golang:1.26-alpine`
 * (engine/distconsts.GolangImage), which was go1.26.5 when v0.21.8 was released (2026-07-29).
 */
export const goSdkToolchain: ProxyModule = {
  path: 'golang.org/toolchain',
  version: 'v0.0.1-go1.26.5.linux-amd64',
  sum: 'h1:/yCM7qVQu6sYYUewQ39rtTtRMYMHdbP9oNjgp+lEV9w=',
};

/** The module proxies the Go SDK content's `go` asks, in order: its own file proxy first, then the real one. */
export const GO_SDK_GOPROXY = 'file:///goproxy,https://proxy.golang.org';

/** The tsx the node runtime mounts at /usr/local/lib/node_modules/tsx (upstream's TypescriptSDKTSXVersion). */
export const TSX_VERSION = '4.15.6';

/** The bun that builds the TypeScript SDK content (tsdistconsts.DefaultBunVersion), as npm ships it for glibc. */
export const bunPackage = {
  name: '@oven/bun-linux-x64',
  version: '1.3.0',
  integrity: 'sha512-sGEWoJQXO4GDr0x4t/yJQ/Bq1yNkOdX9tHbZZ+DBGJt3z3r7jeb4Digv8xQUk6gdTFC9vnGHuin+KW3/yD1Aww==',
} as const;

/**
 * The images the TypeScript runtime runs modules in, replacing its digest-pinned Alpine ones: the engine pulls them
 * as docker.io images from the local registry (helper IMAGES makes them; a digest from Docker Hub cannot be served).
 */
export const tsRuntimeImages = {
  node: 'borgos/dagger-ts-node:20',
  bun: 'borgos/dagger-ts-bun:1.3.0',
} as const;
