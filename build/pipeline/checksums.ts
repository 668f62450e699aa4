import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

/** SHA-256 of a file, streamed: ISOs and image tarballs do not fit comfortably in memory. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** A SHA256SUMS body in the format `sha256sum --check` reads: "<hex>  <basename>". */
export async function sha256sums(files: readonly string[]): Promise<string> {
  const lines: string[] = [];
  for (const file of files) lines.push(`${await sha256File(file)}  ${path.basename(file)}`);
  return `${lines.join('\n')}\n`;
}
