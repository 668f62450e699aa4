import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EventLog } from '../../../src/core/events/event-log.js';
import { installCode } from '../../support/devices.js';
import { startTestStack } from '../../support/engine-control.js';
import type { TestStack } from '../../support/engine-control.js';
import { eventually } from '../../support/eventually.js';
import { tempDir } from '../../support/stack.js';

const agent = new URL('./agent-process.ts', import.meta.url).pathname;

/** What the job's one script does on a device depends on the `mode` file in that device's HOME. */
const SCRIPT = `read mode < "$HOME/mode"
case "$mode" in
  ok) echo "fine on $BORG_RUN_ID" ;;
  fail) echo broken >&2; exit 3 ;;
  hang) sleep 60 ;;
esac
`;

interface Agent {
  output: () => string;
  exited: Promise<number | null>;
  kill: () => void;
}

function startAgent(stack: TestStack, code: string, name: string, mode: string, runs: number): Agent {
  const home = tempDir(`borg-agent-${name}-`);
  writeFileSync(join(home, 'mode'), `${mode}\n`);
  mkdirSync(join(home, 'state'));
  const child = spawn(process.execPath, ['--import', 'tsx', agent], {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      BORG_TEST_URL: stack.url,
      BORG_TEST_STATE_DIR: join(home, 'state'),
      BORG_TEST_CODE: code,
      BORG_TEST_HOSTNAME: name,
      BORG_TEST_RUNS: String(runs),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr.on('data', (c: Buffer) => (text += c.toString()));
  return {
    output: () => text,
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    kill: () => child.kill('SIGKILL'),
  };
}

describe('a run across device client processes, each running the script for real', () => {
  let stack: TestStack;
  const agents: Agent[] = [];

  beforeAll(async () => {
    stack = await startTestStack(inject('temporalAddress'));
    await stack.startWorker();
  });
  afterAll(async () => {
    for (const a of agents) a.kill();
    await stack?.close();
  });

  it('ends with success, failure, timeout and offline, each device reporting its own', async () => {
    const tag = `fleet-${Date.now().toString(36)}`;
    const code = await installCode(stack, { auto_approve: true, tags: [tag], max_uses: 10 });
    const modes = { 'fleet-ok': 'ok', 'fleet-fail': 'fail', 'fleet-hang': 'hang', 'fleet-away': 'ok' } as const;
    for (const [name, mode] of Object.entries(modes)) agents.push(startAgent(stack, code, name, mode, name === 'fleet-away' ? 0 : 1));
    const ids = await Promise.all(
      agents.map(async (a) => {
        await eventually(a.output, (text) => /enrolled (\S+)/.test(text), 60_000);
        return /enrolled (\S+)/.exec(a.output())![1]!;
      }),
    );
    expect(await agents[3]!.exited).toBe(0);
    const [ok, fail, hang, away] = ids as [string, string, string, string];

    const created = await stack.call('POST', '/jobs', {
      body: {
        name: 'fleet check',
        script: { interpreter: 'sh', content: SCRIPT },
        targets: { tags: [tag] },
        schedule: { kind: 'now' },
        timeout_s: 3,
        dispatch_window_s: 8,
      },
    });
    expect(created.status).toBe(201);
    const runId = (
      await eventually(
        () => stack.call('GET', `/jobs/${created.body.id}/runs`),
        (r) => r.body.runs?.length === 1,
      )
    ).body.runs[0].id as string;

    const run = await eventually(
      () => stack.call('GET', `/runs/${encodeURIComponent(runId)}`),
      (r) => r.body.status === 'finished',
      40_000,
    );
    const part = (id: string) => run.body.devices.find((d: any) => d.device_id === id);
    expect(part(ok)).toMatchObject({ status: 'succeeded', exit_code: 0, stdout: `fine on ${runId}\n`, stderr: '' });
    expect(part(fail)).toMatchObject({ status: 'failed', exit_code: 3, stderr: 'broken\n' });
    expect(part(hang)).toMatchObject({ status: 'timed_out', exit_code: null, signal: 'SIGTERM' });
    expect(part(away)).toMatchObject({ status: 'offline', dispatched_at: null });
    expect(run.body.counts).toEqual({ succeeded: 1, failed: 1, timed_out: 1, offline: 1 });
    for (const a of agents.slice(0, 3)) expect(await a.exited).toBe(0);
    expect(agents[0]!.output()).toContain(`reported ${runId} succeeded succeeded late=false`);

    // Operators saw it happen: the run's events, each device's result once, in order.
    const events = new EventLog(stack.db).after(0, { types: ['run.*'], limit: 100 }).filter((e) => e.subject === runId);
    expect(events[0]).toMatchObject({ type: 'run.started', data: { devices: 4, skipped: 0, trigger: 'now' } });
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', data: { status: 'finished', counts: run.body.counts } });
    const settled = events.filter((e) => e.type === 'run.device_result' && e.data.status !== 'running');
    expect(settled.map((e) => `${String(e.data.device_id)} ${String(e.data.status)}`).sort()).toEqual(
      [`${ok} succeeded`, `${fail} failed`, `${hang} timed_out`, `${away} offline`].sort(),
    );
  });
});
