import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InsecureFileError } from './errors.js';

/** Owner read and write only: the mode of every file the client writes. */
export const PRIVATE_FILE_MODE = 0o600;
const PRIVATE_DIR_MODE = 0o700;

/** Creates the state directory (and its parents) owner-only when it does not exist yet. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Reads a file only the owner may access, or undefined when it does not exist. Refuses a file that is not a
 * regular file or that grants group or others any permission: a secret others could read is no longer secret.
 */
export async function readPrivateFile(file: string): Promise<Buffer | undefined> {
  let stats;
  try {
    stats = await lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!stats.isFile()) throw new InsecureFileError(file, 'it is not a regular file');
  const mode = stats.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new InsecureFileError(file, `group or others may access it (mode ${octal(mode)}); it must be 0600: chmod 600 ${file}`);
  }
  return readFile(file);
}

/**
 * Replaces `file` with `data` so that a crash at any point leaves either the old or the new content, never a
 * mix: write a temporary file beside it (0600), flush it to disk, rename it over `file`, flush the directory.
 */
export async function writePrivateFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const temp = await writeTemp(file, data);
  try {
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDir(dirname(file));
}

/**
 * Creates `file` with `data` unless it exists, durably, in one step: a reader never sees it half written, and of
 * two racing creators exactly one wins. Returns false when the file was already there.
 */
export async function createPrivateFileOnce(file: string, data: string | Uint8Array): Promise<boolean> {
  const temp = await writeTemp(file, data);
  try {
    await link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  await syncDir(dirname(file));
  return true;
}

async function writeTemp(file: string, data: string | Uint8Array): Promise<string> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', PRIVATE_FILE_MODE);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return temp;
}

/** A rename or link is durable only once the directory that holds it is flushed. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const octal = (mode: number): string => `0${mode.toString(8).padStart(3, '0')}`;
