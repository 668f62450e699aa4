import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { NODE_MAJOR } from './pins.js';

/** The host's Node installation, which the node images carry: no Node binary can be downloaded here. */
export interface HostNode {
  /** Where bin/node, include/node and lib/node_modules/{npm,corepack} are (/usr for NodeSource's package). */
  readonly prefix: string;
  readonly version: string;
  readonly npmVersion: string;
}

const output = (command: string, args: readonly string[]): string => execFileSync(command, args, { encoding: 'utf8' }).trim();

/** Finds the `node` on PATH and checks it is Node 20 with its headers, npm and corepack beside it. */
export function findHostNode(): HostNode {
  const binary = realpathSync(output('sh', ['-c', 'command -v node']));
  const prefix = path.dirname(path.dirname(binary));
  const version = output(binary, ['--version']);
  if (!version.startsWith(`v${NODE_MAJOR}.`))
    throw new Error(`the host's node (${binary}) is ${version}; the node images need Node ${NODE_MAJOR}`);
  const parts = ['include/node/node_version.h', 'lib/node_modules/npm/package.json', 'lib/node_modules/corepack/package.json'];
  for (const part of parts)
    if (!existsSync(path.join(prefix, part))) throw new Error(`the host's Node at ${prefix} has no ${part}, which the node images need`);
  const npmVersion = (JSON.parse(readFileSync(path.join(prefix, 'lib/node_modules/npm/package.json'), 'utf8')) as { version: string })
    .version;
  return { prefix, version, npmVersion };
}
