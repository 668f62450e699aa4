import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A stamp says a cached piece is complete and which inputs it was made from: the hash of those inputs, and the
 * outputs as they were then (a file by its size, a directory by being there), so a truncated or deleted output is
 * rebuilt even when the inputs have not changed.
 */
interface Stamp {
  readonly key: string;
  /** Output path → size in bytes, or null for a directory. */
  readonly outputs: Record<string, number | null>;
}

/** The key of a piece's inputs: equal inputs (as JSON, in the order given) give equal keys. */
export const stampKey = (inputs: unknown): string => createHash('sha256').update(JSON.stringify(inputs)).digest('hex');

function readStamp(file: string): Stamp | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Stamp;
  } catch {
    // Missing or unreadable: the piece is not known to be complete, which is what a rebuild fixes.
    return undefined;
  }
}

/** The key a piece was last completed with, if it was. */
export const stampedKey = (file: string): string | undefined => readStamp(file)?.key;

const outputState = (output: string): number | null | undefined => {
  try {
    const stat = statSync(output);
    return stat.isDirectory() ? null : stat.size;
  } catch {
    return undefined;
  }
};

/** Whether the piece was completed from inputs with this key and its outputs are still as they were left. */
export function isFresh(file: string, key: string): boolean {
  const stamp = readStamp(file);
  return stamp?.key === key && Object.entries(stamp.outputs).every(([output, state]) => outputState(output) === state);
}

/** Forgets a piece before it is remade, so that one interrupted halfway is never taken for complete. */
export function clearStamp(file: string): void {
  rmSync(file, { force: true });
}

/** Records a completed piece. A stamp cut short by a crash does not parse, so it reads as incomplete: no temp file needed. */
export function writeStamp(file: string, key: string, outputs: readonly string[]): void {
  const state = (output: string): number | null => {
    const found = outputState(output);
    if (found === undefined) throw new Error(`cannot stamp ${output}: it does not exist`);
    return found;
  };
  const stamp: Stamp = { key, outputs: Object.fromEntries(outputs.map((output) => [output, state(output)])) };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(stamp, null, 2)}\n`);
}
