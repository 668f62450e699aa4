import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../build/iso/build-iso.js';

export interface CliRun {
  code: number | null;
  output: string;
}

/** Runs a repository script with tsx as a user would, echoing its output so CI logs show progress. */
export function runScript(script: string, args: readonly string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [script, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      process.stderr.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
