import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { onTestFinished } from 'vitest';

export interface WriterProcess {
  run: string;
  /** Has the child append `n` decisions in one batch: their ids, and the error code if the append threw. */
  append(n: number): Promise<{ ids: string[]; error?: string }>;
  /** SIGKILLs the child and waits until it is gone. */
  kill(): Promise<void>;
}

/** A DecisionJournal over `dir` in another process (test/audit/journal-writer.ts), started through `shell` if given. */
export async function startWriterProcess(dir: string, shell?: string): Promise<WriterProcess> {
  const script = new URL('./journal-writer.ts', import.meta.url).pathname;
  const argv = [process.execPath, '--import', 'tsx', script, dir];
  const child = shell
    ? spawn('bash', ['-c', `${shell}; exec "$@"`, 'bash', ...argv], { stdio: ['pipe', 'pipe', 'inherit'] })
    : spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  onTestFinished(() => void child.kill('SIGKILL'));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => JSON.parse((await lines.next()).value as string) as Record<string, unknown>;
  const { run } = (await next()) as { run: string };
  return {
    run,
    append: async (n) => {
      child.stdin.write(`${n}\n`);
      return (await next()) as { ids: string[]; error?: string };
    },
    kill: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
