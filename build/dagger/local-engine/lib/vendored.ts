import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { VendoredModule, VendoredTarball } from './pins.js';

/** Refuses a vendored tarball that is missing or is not the pinned file, before anything is unpacked from it. */
export async function checkTarball(vendorDir: string, tarball: VendoredTarball): Promise<string> {
  const file = path.join(vendorDir, tarball.file);
  let bytes: number;
  try {
    bytes = statSync(file).size;
  } catch {
    throw new Error(`vendored tarball ${file} not found (give the vendor folder with --vendor or BORG_DAGGER_VENDOR)`);
  }
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const sha256 = hash.digest('hex');
  if (bytes !== tarball.bytes || sha256 !== tarball.sha256) {
    throw new Error(
      `vendored tarball ${file} is ${bytes} bytes with sha256 ${sha256}; expected ${tarball.bytes} bytes with sha256 ${tarball.sha256}`,
    );
  }
  return file;
}

/** Checks that an unpacked folder holds the module go.mod will be pointed at, so a replace cannot silently miss. */
export function checkModule(root: string, { dir, module }: VendoredModule): void {
  const goMod = path.join(root, dir, 'go.mod');
  let declared: string | undefined;
  try {
    declared = /^module\s+(\S+)/m.exec(readFileSync(goMod, 'utf8'))?.[1];
  } catch {
    throw new Error(`${goMod} is missing after unpacking`);
  }
  if (declared !== module) throw new Error(`${goMod} declares module ${declared ?? '(none)'}; expected ${module}`);
}
