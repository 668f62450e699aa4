/** `tsx build/iso/compare.ts A.iso B.iso`: reports whether two builds are bit-identical and, if not, what differs. */
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareIsos, formatComparison } from './compare-isos.js';
import { missingPackages } from './host-tools.js';

const usage =
  'usage: tsx build/iso/compare.ts FIRST.iso SECOND.iso\nExit status 0 when identical, 1 when they differ (the differences are listed), 2 on errors.';

/** Why `file` cannot be compared, or undefined when it is a readable regular file. */
function unreadable(file: string): string | undefined {
  try {
    return statSync(file).isFile() ? undefined : 'not a regular file';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
  }
}

/** Exit 1 means "they differ", so every error (a missing file, a failed unpack) is 2. */
async function main(args: readonly string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage);
    return 0;
  }
  const [first, second] = args;
  if (!first || !second || args.length > 2) {
    console.error(usage);
    return 2;
  }
  for (const file of [first, second]) {
    const problem = unreadable(file);
    if (problem !== undefined) {
      console.error(`compare: ${file}: ${problem}`);
      return 2;
    }
  }
  const missing = missingPackages(['xorriso', 'squashfs-tools']);
  if (missing.length > 0) {
    console.error(`compare: missing host packages: ${missing.join(' ')}; run: apt-get install -y ${missing.join(' ')}`);
    return 2;
  }
  try {
    const report = await compareIsos(first, second, join(tmpdir(), `borg-iso-compare-${process.pid}`));
    process.stdout.write(formatComparison(report));
    return report.identical ? 0 : 1;
  } catch (error) {
    console.error(`compare: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
