/** `tsx iso/compare.ts A.iso B.iso`: reports whether two builds are bit-identical and, if not, what differs. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareIsos, formatComparison } from './compare-isos.js';

const usage = 'usage: tsx iso/compare.ts FIRST.iso SECOND.iso\nExit status 0 when identical, 1 when they differ (the differences are listed).';
const args = process.argv.slice(2);
const [first, second] = args;
if (args.includes('--help') || args.includes('-h')) {
  console.log(usage);
} else if (!first || !second) {
  console.error(usage);
  process.exitCode = 2;
} else {
  compareIsos(first, second, join(tmpdir(), `borg-iso-compare-${process.pid}`)).then(
    (report) => {
      process.stdout.write(formatComparison(report));
      process.exitCode = report.identical ? 0 : 1;
    },
    (error: unknown) => {
      console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
