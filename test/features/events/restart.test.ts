import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { eventually } from '../../support/eventually.js';
import { freePort } from '../../support/ports.js';
import { descendants, runScript } from '../../support/process.js';
import { tempDir } from '../../support/stack.js';
import { appendFromAnotherProcess, openStream } from './support.js';

/** The event ids borgctl printed, in order. */
const printedIds = (output: string): number[] => [...output.matchAll(/^\S+ {2}#(\d+) {2}/gm)].map((m) => Number(m[1]));

describe('the event stream across an API restart (API, writer and borgctl as processes)', () => {
  it('resumes with Last-Event-ID: the events appended while the API was down come once, in order; borgctl reconnects by itself', async () => {
    const dataDir = tempDir();
    const dbFile = join(dataDir, 'borg.db');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { BORG_DATA_DIR: dataDir, BORG_API_PORT: String(port), TEMPORAL_ADDRESS: inject('temporalAddress') };
    let api = runScript('start:api', env);
    await api.waitForOutput('API ready');
    const key = /First admin API key[^:]*: (\S+)/.exec(api.output())![1]!;

    const stream = await openStream(url, key);
    const follower = runScript('borgctl', { BORG_OPERATOR_KEY: key }, ['events', '--url', url, '--types', 'run.*']);
    await follower.waitForOutput('following');
    const before = await appendFromAnotherProcess(dbFile, 'run.started', 3);
    await stream.waitFor(3);

    process.kill(-api.child.pid!, 'SIGTERM');
    expect(await api.exited).toEqual({ code: 0, signal: null });
    await stream.ended;
    expect(stream.comments.at(-1)).toBe('the server is shutting down; reconnect with Last-Event-ID');

    const whileDown = await appendFromAnotherProcess(dbFile, 'run.device_result', 4);
    api = runScript('start:api', env);
    await api.waitForOutput('API ready');
    const resumed = await openStream(url, key, { lastEventId: stream.lastEventId() });
    const after = await appendFromAnotherProcess(dbFile, 'run.finished', 1);
    expect((await resumed.waitFor(5)).map((e) => e.id)).toEqual([...whileDown, ...after]);
    expect(stream.events.map((e) => e.id)).toEqual(before);
    resumed.close();

    const all = [...before, ...whileDown, ...after];
    await eventually(
      () => printedIds(follower.output()),
      (ids) => ids.length >= all.length,
    );
    expect(printedIds(follower.output())).toEqual(all);
    expect(follower.output()).toMatch(/reconnecting in \d+ s/);
    // Ctrl-C reaches npm's shell too, which then dies of it whatever borgctl does: only borgctl is told here.
    const borgctl = descendants(follower.child.pid!).find((pid) => {
      const [program, ...args] = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return program!.endsWith('node') && args.some((arg) => arg.endsWith('borgctl.ts'));
    });
    process.kill(borgctl!, 'SIGINT');
    expect(await follower.exited).toEqual({ code: 0, signal: null });
  });
});
