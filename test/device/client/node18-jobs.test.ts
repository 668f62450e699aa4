import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGET, buildDeviceClient } from '../../../device/build-client.js';
import { jwkThumbprint } from '../../../src/features/devices/dpop/thumbprint.js';
import { scriptSha256, signJobPayload } from '../../../src/features/jobs/dispatch/job-payload.js';
import type { JobPayload } from '../../../src/features/jobs/dispatch/job-payload.js';
import { CredentialsStore, loadOrCreateDeviceKey } from '../../../device/client/index.js';
import type { WorkItem } from '../../../device/client/index.js';
import { tempDir } from '../../support/stack.js';
import { node18OrFallback } from '../node18.js';
import { serverDpopSettings } from './server-side.js';
import { startWorkServer } from './work-server.js';
import type { WorkServer } from './work-server.js';

const probe = resolve(import.meta.dirname, 'jobs-probe.mjs');
const jobKeys = generateKeyPairSync('ed25519');
let settings: ReturnType<typeof serverDpopSettings>;
let server: WorkServer;
let stateDir: string;

function item(
  run: string,
  interpreter: JobPayload['script']['interpreter'],
  content: string,
  { timeoutS = 10, env = {} }: { timeoutS?: number; env?: Record<string, string> } = {},
): WorkItem {
  const payload: JobPayload = {
    v: 1,
    run_id: run,
    job_id: 'job_1',
    job_name: run,
    device_id: 'dev_a',
    script: { interpreter, content, args: ['arg'], env: { GREETING: 'hi', ...env }, sha256: scriptSha256(content) },
    timeout_s: timeoutS,
    issued_at: new Date().toISOString(),
    expires_at: new Date(Date.now() + 120_000).toISOString(),
  };
  return { run_id: run, job_id: 'job_1', payload: signJobPayload(jobKeys.privateKey, payload) };
}

beforeAll(async () => {
  stateDir = join(tempDir(), 'agent');
  await new CredentialsStore(stateDir).set({
    deviceId: 'dev_a',
    accessToken: 'at-0',
    accessTokenExpiresAt: Date.now() + 600_000,
    refreshToken: 'rt-0',
    signingKey: jobKeys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  });
  const jkt = jwkThumbprint((await loadOrCreateDeviceKey(stateDir)).jwk);
  settings = serverDpopSettings();
  const runs = { run_sh: 'dev_a', run_node: 'dev_a', run_stubborn: 'dev_a' };
  server = await startWorkServer({ settings, accessToken: 'at-0', jkt, deviceId: 'dev_a', runs });
});

afterAll(async () => {
  await server?.close();
  settings?.close();
});

describe('jobs through the bundled device client', () => {
  it("poll, verify, run and report under Debian bookworm's Node 18", async ({ annotate }) => {
    const node = await node18OrFallback(
      'test/device/client/node18-jobs.test.ts',
      annotate,
      `; that it suits Node 18 rests on its esbuild target, ${TARGET}`,
    );
    const bundle = await buildDeviceClient(join(tempDir(), 'client.mjs'));
    // Debian's /usr/bin/node finds libnode by itself; the one unpacked here needs its launcher's library path, which
    // a job's env carries like any other variable.
    const loader = (await promisify(execFile)(node, ['-p', 'process.env.LD_LIBRARY_PATH ?? ""'])).stdout.trim();
    const tampered = item('run_evil', 'sh', 'echo fine\n');
    tampered.payload = tampered.payload.replace(/\.[^.]+$/, `.${Buffer.alloc(64).toString('base64url')}`);
    server.offer(
      item('run_sh', 'sh', 'echo "$1 $GREETING $BORG_RUN_ID"\nexit 4\n'),
      tampered,
      item('run_node', 'node', 'console.log(process.version, process.argv[2]);', { env: loader ? { LD_LIBRARY_PATH: loader } : {} }),
      item('run_stubborn', 'sh', "trap '' TERM\necho $$\nsleep 1000 &\nwait\n", { timeoutS: 1 }),
    );
    const scratch = tempDir();
    const { stdout } = await promisify(execFile)(node, [probe, bundle.outfile, stateDir, server.baseUrl, scratch], { timeout: 60_000 });
    const out = JSON.parse(stdout);
    if (node !== process.execPath) expect(out.node).toMatch(/^v18\./);

    expect(out.jobs).toEqual(['run_sh', 'run_node', 'run_stubborn']);
    expect(out.refused).toEqual([
      {
        runId: 'run_evil',
        jobId: 'job_1',
        reason: 'signature',
        message: 'job payload refused (signature): the signature does not verify with the job-signing key',
      },
    ]);
    expect(out.logs).toEqual([
      'refused the work item for run run_evil of job job_1: job payload refused (signature): the signature does not verify with the job-signing key',
    ]);
    expect(out.results.run_sh).toMatchObject({ outcome: 'failed', exit_code: 4, stdout: 'arg hi run_sh\n' });
    // The node interpreter is the agent's own Node.
    expect(out.results.run_node).toMatchObject({ outcome: 'succeeded', exit_code: 0, stdout: `${out.node} arg\n` });
    expect(out.results.run_stubborn).toMatchObject({ outcome: 'timed_out', exit_code: null, signal: 'SIGKILL' });
    expect(out.progress.run_sh).toEqual({ status: 'running' });
    expect(out.replies).toEqual({
      run_sh: { status: 'failed', late: false },
      run_node: { status: 'succeeded', late: false },
      run_stubborn: { status: 'timed_out', late: false },
    });
    expect(server.results.get('run_node')).toEqual(out.results.run_node);
    expect(readdirSync(scratch)).toEqual([]);
    expect(out.aborted).toBe('agent stopping after less than 3 s');
  }, 300_000);
});
