import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Lifecycle } from '../../../src/core/process/lifecycle.js';

interface Line {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A real pino logger whose JSON lines land in `lines`. */
function capturedLogger(): { log: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  return { log, lines };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A promise plus the function that settles it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe('Lifecycle.stop', () => {
  it('runs the closers in reverse order of registration and logs each', async () => {
    const { log, lines } = capturedLogger();
    const lifecycle = new Lifecycle(log, 5000);
    const order: string[] = [];
    lifecycle.onStop('database', () => void order.push('database'));
    lifecycle.onStop('worker', async () => {
      await sleep(5);
      order.push('worker');
    });
    lifecycle.onStop('api', () => void order.push('api'));

    await lifecycle.stop('test');

    expect(order).toEqual(['api', 'worker', 'database']);
    expect(lines.map((l) => [l.msg, l.reason ?? l.part])).toEqual([
      ['shutting down', 'test'],
      ['stopped', 'api'],
      ['stopped', 'worker'],
      ['stopped', 'database'],
    ]);
  });

  it('logs a failing closer with its error and still runs the rest', async () => {
    const { log, lines } = capturedLogger();
    const lifecycle = new Lifecycle(log, 5000);
    const ran: string[] = [];
    lifecycle.onStop('database', () => void ran.push('database'));
    lifecycle.onStop('worker', () => {
      throw new Error('connection already closed');
    });
    lifecycle.onStop('api', () => Promise.reject(new Error('drain failed')));

    await expect(lifecycle.stop('test')).resolves.toBeUndefined();

    expect(ran).toEqual(['database']);
    const failures = lines.filter((l) => l.msg === 'failed to stop cleanly');
    expect(failures).toEqual([
      expect.objectContaining({ level: 50, part: 'api', err: expect.objectContaining({ message: 'drain failed' }) }),
      expect.objectContaining({ level: 50, part: 'worker', err: expect.objectContaining({ message: 'connection already closed' }) }),
    ]);
    expect(lines.filter((l) => l.msg === 'stopped').map((l) => l.part)).toEqual(['database']);
  });

  it('stops once: a second stop waits for the first and runs nothing again', async () => {
    const { log, lines } = capturedLogger();
    const lifecycle = new Lifecycle(log, 5000);
    let runs = 0;
    const slow = gate();
    lifecycle.onStop('worker', async () => {
      runs++;
      await slow.promise;
    });

    const first = lifecycle.stop('SIGTERM');
    const second = lifecycle.stop('fatal error');
    let secondDone = false;
    void second.then(() => (secondDone = true));
    await sleep(10);
    expect(secondDone).toBe(false);
    slow.open();
    await Promise.all([first, second]);
    await lifecycle.stop('again');

    expect(runs).toBe(1);
    expect(lines.filter((l) => l.msg === 'shutting down')).toEqual([expect.objectContaining({ reason: 'SIGTERM' })]);
  });
});

describe('Lifecycle.handleSignals', () => {
  const signals = ['SIGTERM', 'SIGINT'] as const;
  let before: Map<string, ((...args: unknown[]) => void)[]>;

  beforeEach(() => {
    before = new Map(signals.map((s) => [s, process.listeners(s) as ((...args: unknown[]) => void)[]]));
  });
  afterEach(() => {
    // Only the listeners this test added; whatever vitest had stays.
    for (const s of signals) {
      for (const listener of process.listeners(s)) {
        if (!before.get(s)!.includes(listener as (...args: unknown[]) => void)) process.removeListener(s, listener);
      }
    }
  });

  /**
   * An injected exit that records the code. A real exit never returns, so only the first call is what a user would see;
   * later calls (the handler keeps running after a stub returns) are recorded separately.
   */
  function recordingExit(): { exit: (code: number) => never; codes: number[]; exited: Promise<number> } {
    const codes: number[] = [];
    let resolve!: (code: number) => void;
    const exited = new Promise<number>((r) => (resolve = r));
    const exit = ((code: number) => {
      codes.push(code);
      resolve(code);
    }) as (code: number) => never;
    return { exit, codes, exited };
  }

  it('listens for SIGTERM and SIGINT', () => {
    const { log } = capturedLogger();
    new Lifecycle(log, 5000).handleSignals(recordingExit().exit);
    for (const s of signals) expect(process.listenerCount(s)).toBe(before.get(s)!.length + 1);
  });

  it('on SIGTERM stops everything and exits 0', async () => {
    const { log, lines } = capturedLogger();
    const lifecycle = new Lifecycle(log, 60_000);
    const closed: string[] = [];
    lifecycle.onStop('database', () => void closed.push('database'));
    lifecycle.onStop('api', () => void closed.push('api'));
    const { exit, codes, exited } = recordingExit();
    lifecycle.handleSignals(exit);

    process.emit('SIGTERM', 'SIGTERM');

    expect(await exited).toBe(0);
    expect(codes).toEqual([0]);
    expect(closed).toEqual(['api', 'database']);
    expect(lines.map((l) => l.msg)).toEqual(['shutting down', 'stopped', 'stopped']);
    expect(lines[0]).toMatchObject({ reason: 'SIGTERM' });
  });

  it('ignores a second signal within a second (npm relays the same Ctrl-C)', async () => {
    const { log, lines } = capturedLogger();
    const lifecycle = new Lifecycle(log, 60_000);
    const slow = gate();
    let runs = 0;
    lifecycle.onStop('worker', async () => {
      runs++;
      await slow.promise;
    });
    const { exit, codes, exited } = recordingExit();
    lifecycle.handleSignals(exit);

    process.emit('SIGINT', 'SIGINT');
    process.emit('SIGINT', 'SIGINT');
    await sleep(20);
    expect(codes).toEqual([]);
    slow.open();

    expect(await exited).toBe(0);
    expect(codes).toEqual([0]);
    expect(runs).toBe(1);
    expect(lines.some((l) => l.msg === 'second signal: exiting now')).toBe(false);
  });

  it('exits 130 at once on a second signal more than a second later', async () => {
    const { log, lines } = capturedLogger();
    const lifecycle = new Lifecycle(log, 60_000);
    const stuck = gate();
    lifecycle.onStop('worker', () => stuck.promise);
    const { exit, codes } = recordingExit();
    lifecycle.handleSignals(exit);

    process.emit('SIGTERM', 'SIGTERM');
    await sleep(1100);
    expect(codes).toEqual([]);
    process.emit('SIGINT', 'SIGINT');

    expect(codes[0]).toBe(130);
    expect(lines.find((l) => l.msg === 'second signal: exiting now')).toMatchObject({ level: 40, signal: 'SIGINT' });
    stuck.open();
  });

  it('exits 1 when stopping takes longer than the timeout', async () => {
    const { log, lines } = capturedLogger();
    const lifecycle = new Lifecycle(log, 100);
    const stuck = gate();
    lifecycle.onStop('worker', () => stuck.promise);
    const { exit, codes, exited } = recordingExit();
    lifecycle.handleSignals(exit);

    const start = Date.now();
    process.emit('SIGTERM', 'SIGTERM');

    expect(await exited).toBe(1);
    expect(Date.now() - start).toBeGreaterThanOrEqual(90);
    expect(codes).toEqual([1]);
    expect(lines.find((l) => l.msg === 'shutdown timed out: exiting now')).toMatchObject({ level: 50, timeoutMs: 100 });
    expect(lines.some((l) => l.msg === 'stopped')).toBe(false);
    stuck.open();
  });
});
