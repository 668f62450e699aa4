import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OUTPUT_CAP_BYTES, SCRIPT_PATH, runScript } from '../../../device/client/index.js';
import type { RunResult, VerifiedJob } from '../../../device/client/index.js';
import { tempDir } from '../../support/stack.js';

type Interpreter = VerifiedJob['script']['interpreter'];

const job = (interpreter: Interpreter, content: string, change: Partial<VerifiedJob> = {}): VerifiedJob => ({
  runId: 'run_7',
  jobId: 'job_3',
  jobName: 'test',
  deviceId: 'dev_a',
  script: { interpreter, content, args: [], env: {}, sha256: '' },
  timeoutS: 30,
  issuedAt: Date.now(),
  expiresAt: Date.now() + 60_000,
  ...change,
});

const withScript = (base: VerifiedJob, script: Partial<VerifiedJob['script']>): VerifiedJob => ({
  ...base,
  script: { ...base.script, ...script },
});

/** The interpreters a script finds on its PATH here; node is always this Node. */
const available = (['sh', 'bash', 'python3'] as const).filter((name) => {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { env: { PATH: SCRIPT_PATH }, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
const interpreters: Interpreter[] = [...available, 'node'];

/** Processes of a process group that are alive (not zombies), from /proc. */
function liveMembers(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(group) === pgid && state !== 'Z';
      } catch {
        return false;
      }
    })
    .map(Number);
}

const isoTime = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

/** Per interpreter: print args and env, say something on stderr, exit with a code; ignore SIGTERM and start two grandchildren. */
const scripts: Record<Interpreter, { hello: string; exit3: string; stubborn: string; flood: string }> = {
  sh: {
    hello: 'echo "args:$*"\necho "run:$BORG_RUN_ID job:$BORG_JOB_ID greeting:$GREETING"\necho oops >&2\n',
    exit3: 'echo failing >&2\nexit 3\n',
    stubborn: "trap '' TERM\necho $$\nsleep 1000 &\nsh -c 'sleep 1000' &\nwait\n",
    flood: 'head -c 200000 /dev/zero | tr "\\0" a\nhead -c 100000 /dev/zero | tr "\\0" b >&2\n',
  },
  bash: {
    hello: 'echo "args:$*"\necho "run:$BORG_RUN_ID job:$BORG_JOB_ID greeting:$GREETING"\necho oops >&2\n',
    exit3: 'echo failing >&2\nexit 3\n',
    stubborn: "trap '' TERM\necho $$\nsleep 1000 &\nbash -c 'sleep 1000' &\nwait\n",
    flood: 'head -c 200000 /dev/zero | tr "\\0" a\nhead -c 100000 /dev/zero | tr "\\0" b >&2\n',
  },
  python3: {
    hello: [
      'import os, sys',
      "print('args:' + ' '.join(sys.argv[1:]))",
      "print('run:%s job:%s greeting:%s' % (os.environ['BORG_RUN_ID'], os.environ['BORG_JOB_ID'], os.environ['GREETING']))",
      "print('oops', file=sys.stderr)",
    ].join('\n'),
    exit3: "import sys\nprint('failing', file=sys.stderr)\nsys.exit(3)\n",
    stubborn: [
      'import os, signal, subprocess, time',
      'signal.signal(signal.SIGTERM, signal.SIG_IGN)',
      'print(os.getpid(), flush=True)',
      "children = [subprocess.Popen(['sleep', '1000']) for _ in range(2)]",
      'time.sleep(1000)',
    ].join('\n'),
    flood: "import sys\nsys.stdout.write('a' * 200000)\nsys.stderr.write('b' * 100000)\n",
  },
  node: {
    hello: [
      "console.log('args:' + process.argv.slice(2).join(' '));",
      'const { BORG_RUN_ID, BORG_JOB_ID, GREETING } = process.env;',
      'console.log(`run:${BORG_RUN_ID} job:${BORG_JOB_ID} greeting:${GREETING}`);',
      "console.error('oops');",
    ].join('\n'),
    exit3: "console.error('failing');\nprocess.exit(3);\n",
    stubborn: [
      "process.on('SIGTERM', () => undefined);",
      'console.log(process.pid);',
      "const { spawn } = require('node:child_process');",
      "for (let i = 0; i < 2; i++) spawn('sh', ['-c', \"trap '' TERM; sleep 1000\"], { stdio: 'ignore' });",
      'setInterval(() => undefined, 1000);',
    ].join('\n'),
    flood: "process.stdout.write('a'.repeat(200000));\nprocess.stderr.write('b'.repeat(100000));\n",
  },
};

describe.each(interpreters)('a %s script, run for real', (interpreter) => {
  const script = scripts[interpreter];

  it('gets its args and env, and exit 0 is a success with both outputs', async () => {
    const hello = withScript(job(interpreter, script.hello), { args: ['one', 'two words'], env: { GREETING: 'héllo' } });
    const result = await runScript(hello);
    expect(result).toEqual<RunResult>({
      outcome: 'succeeded',
      exit_code: 0,
      signal: null,
      stdout: 'args:one two words\nrun:run_7 job:job_3 greeting:héllo\n',
      stderr: 'oops\n',
      stdout_truncated: false,
      stderr_truncated: false,
      started_at: isoTime,
      finished_at: isoTime,
    });
    expect(Date.parse(result.finished_at)).toBeGreaterThanOrEqual(Date.parse(result.started_at));
  });

  it('fails with the exit code of a script that exits nonzero', async () => {
    expect(await runScript(job(interpreter, script.exit3))).toMatchObject({
      outcome: 'failed',
      exit_code: 3,
      signal: null,
      stdout: '',
      stderr: 'failing\n',
    });
  });

  it('keeps the first 64 KiB of each output, flagged, and the script is never blocked by the rest', async () => {
    const result = await runScript(job(interpreter, script.flood, { timeoutS: 20 }));
    expect(result).toMatchObject({ outcome: 'succeeded', exit_code: 0, stdout_truncated: true, stderr_truncated: true });
    expect(result.stdout).toBe('a'.repeat(OUTPUT_CAP_BYTES));
    expect(result.stderr).toBe('b'.repeat(OUTPUT_CAP_BYTES));
  });

  it('kills the script that ignores SIGTERM, and its grandchildren, once its timeout passes', async () => {
    const started = Date.now();
    const result = await runScript(job(interpreter, script.stubborn, { timeoutS: 1 }), { killGraceMs: 500 });
    const took = Date.now() - started;
    expect(result).toMatchObject({ outcome: 'timed_out', exit_code: null, signal: 'SIGKILL' });
    expect(took).toBeGreaterThanOrEqual(1_400);
    expect(took).toBeLessThan(10_000);
    // The script printed its pid, which is its process group's id: nothing of the group is left.
    const pgid = Number(result.stdout.trim().split('\n')[0]);
    expect(pgid).toBeGreaterThan(1);
    expect(liveMembers(pgid)).toEqual([]);
  }, 20_000);
});

describe('running a script', () => {
  it('passes only PATH, HOME, LANG, the job env and the BORG ids; the job cannot change the ids', async () => {
    process.env.BORG_TEST_SECRET = 'must not leak';
    try {
      const env = withScript(job('node', 'console.log(JSON.stringify(process.env))'), {
        env: { GREETING: 'hi', LANG: 'de_DE.UTF-8', BORG_RUN_ID: 'run_forged' },
      });
      const seen = JSON.parse((await runScript(env)).stdout);
      expect(seen).toEqual({
        PATH: SCRIPT_PATH,
        HOME: expect.any(String),
        LANG: 'de_DE.UTF-8',
        GREETING: 'hi',
        BORG_RUN_ID: 'run_7',
        BORG_JOB_ID: 'job_3',
      });
    } finally {
      delete process.env.BORG_TEST_SECRET;
    }
  });

  it('runs in a private directory of its own (0700, the script 0600), removed afterwards', async () => {
    const parent = join(tempDir(), 'jobs');
    const look =
      'const fs = require("node:fs"); const path = require("node:path"); const file = process.argv[1];\n' +
      'console.log(JSON.stringify({ file, cwd: process.cwd(), dir: fs.statSync(path.dirname(file)).mode & 0o777, mode: fs.statSync(file).mode & 0o777 }));';
    const result = await runScript(job('node', look), { tmpDir: parent });
    const seen = JSON.parse(result.stdout);
    expect(seen).toMatchObject({ dir: 0o700, mode: 0o600 });
    expect(seen.cwd).toBe(join(seen.file, '..'));
    expect(seen.file.startsWith(`${parent}/borg-job-`)).toBe(true);
    expect(existsSync(seen.cwd)).toBe(false);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('stops whatever the script left running when it exits, without waiting for it', async () => {
    const started = Date.now();
    const result = await runScript(job('sh', 'sleep 1000 &\necho $$\n'));
    expect(result).toMatchObject({ outcome: 'succeeded', exit_code: 0 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(liveMembers(Number(result.stdout.trim()))).toEqual([]);
  });

  it('does not wait on output held open by a process that left the group', async () => {
    const started = Date.now();
    // The script waits until its child has a group of its own, lest its own end kill that child first.
    const escape = 'setsid sleep 30 &\nwhile [ "$(cut -d" " -f5 /proc/$!/stat)" = $$ ]; do sleep 0.05; done\necho $!\n';
    const result = await runScript(job('sh', escape));
    const escaped = Number(result.stdout.trim());
    try {
      expect(result).toMatchObject({ outcome: 'succeeded', exit_code: 0 });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      process.kill(escaped, 'SIGKILL');
    }
  });

  it('stops on abort: SIGTERM to the group, and a failure even when the script then exits 0', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const result = await runScript(job('sh', "trap 'exit 0' TERM\necho started\nsleep 1000 &\nwait\n"), { signal: controller.signal });
    expect(result).toMatchObject({ outcome: 'failed', exit_code: 0, signal: null, stdout: 'started\n' });

    const plain = new AbortController();
    setTimeout(() => plain.abort(), 300);
    expect(await runScript(job('sh', 'sleep 1000\n'), { signal: plain.signal })).toMatchObject({
      outcome: 'failed',
      exit_code: null,
      signal: 'SIGTERM',
    });
  });

  it('runs nothing when aborted before it starts', async () => {
    const parent = join(tempDir(), 'jobs');
    const reason = new Error('shutting down');
    await expect(runScript(job('sh', 'touch /tmp/never'), { signal: AbortSignal.abort(reason), tmpDir: parent })).rejects.toBe(reason);
    expect(existsSync(parent)).toBe(false);
  });

  it('reports an interpreter that cannot start as a failure that says why', async () => {
    const result = await runScript(withScript(job('python3', 'print(1)'), { env: { PATH: '/nonexistent' } }));
    expect(result).toMatchObject({
      outcome: 'failed',
      exit_code: null,
      signal: null,
      stdout: '',
      stderr: 'could not start python3: spawn python3 ENOENT\n',
    });
  });

  it('cuts output between characters, and counts bytes that are not UTF-8 as the U+FFFD they become', async () => {
    // 'é' is two bytes: the cap falls between two of them, and after one more byte it splits one, which is left out.
    const wide = await runScript(job('node', "process.stdout.write('é'.repeat(40000) + 'x');"));
    expect(wide.stdout_truncated).toBe(true);
    expect(wide.stdout).toBe('é'.repeat(OUTPUT_CAP_BYTES / 2));
    const odd = await runScript(job('node', "process.stdout.write('a' + 'é'.repeat(40000));"));
    expect(odd.stdout).toBe('a' + 'é'.repeat((OUTPUT_CAP_BYTES - 2) / 2));
    expect(Buffer.byteLength(odd.stdout)).toBe(OUTPUT_CAP_BYTES - 1);
    // 30,000 bytes that are not UTF-8, under the cap as bytes, become 90,000 bytes of U+FFFD: cut to fit.
    const binary = await runScript(job('node', 'process.stdout.write(Buffer.alloc(30000, 0xff));'));
    expect(binary.stdout_truncated).toBe(true);
    expect(binary.stdout).toBe('\uFFFD'.repeat(Math.floor(OUTPUT_CAP_BYTES / 3)));
  });
});
