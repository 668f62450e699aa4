import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

export interface Served {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a server script in its own process and resolves once `ready` appears on its output. */
export function serve(script: string, env: Record<string, string>, ready: RegExp): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (ready.test(output)) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve({
          child,
          stop: () =>
            new Promise<void>((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => reject(new Error(`${script} exited ${code} before it was ready:\n${output}`)));
  });
}
