import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const script = resolve(import.meta.dirname, '../../device/node18.sh');

/** Debian bookworm's Node 18 launcher, or why it cannot be had here. */
export type Node18 = { node: string } | { unavailable: string };

let found: Promise<Node18> | undefined;

/**
 * Debian bookworm's nodejs 18, the appliance's Node, from `device/node18.sh` (apt-get download + dpkg -x into
 * `~/.cache/borgos/node18`, once). Never throws: when it cannot be had, says why.
 */
export function node18(): Promise<Node18> {
  found ??= promisify(execFile)('bash', [script, '--path'], { timeout: 300_000, maxBuffer: 1 << 20 }).then(
    ({ stdout }) => ({ node: stdout.trim() }),
    (error: { stderr?: string; message: string }) => ({
      unavailable: (error.stderr?.trim() || error.message).split('\n').slice(-5).join(' / '),
    }),
  );
  return found;
}

/**
 * The Node to run the bundle with: Debian's Node 18, or else this Node, with a warning and a test annotation that
 * say why (`consequence` adds what the fallback leaves unproven). With BORG_REQUIRE_NODE18=1 a missing Node 18 fails.
 */
export async function node18OrFallback(
  testFile: string,
  annotate: (message: string, type: string) => Promise<unknown>,
  consequence = '',
): Promise<string> {
  const found = await node18();
  if ('node' in found) return found.node;
  const why = `Debian's Node 18 could not be had: ${found.unavailable}`;
  if (process.env.BORG_REQUIRE_NODE18 === '1') throw new Error(`BORG_REQUIRE_NODE18=1 and ${why}`);
  const fallback = `${why}. Ran the bundle under this Node (${process.version}) instead${consequence}`;
  console.warn(`${testFile}: ${fallback}`);
  await annotate(fallback, 'warning');
  return process.execPath;
}
