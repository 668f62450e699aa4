import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { lazyChildLogger } from '../../../src/core/logging/lazy-child.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: pino({ level: 'info', redact: ['*.key'] }, stream) };
}

describe('lazy request logger', () => {
  it('writes with the request bindings at enabled levels and nothing below the route level', () => {
    const { lines, log } = capture();
    const request = lazyChildLogger(log, { request_id: 'r-1' }, { level: 'warn' });
    request.info('quiet');
    request.debug('quieter');
    request.warn({ auth: { key: 'secret' }, n: 1 }, 'loud');
    request.error('louder');
    expect(lines.map((l) => [l.level, l.msg, l.request_id])).toEqual([
      [40, 'loud', 'r-1'],
      [50, 'louder', 'r-1'],
    ]);
    expect(lines[0]).toMatchObject({ auth: { key: '[Redacted]' }, n: 1 });
    expect(request.level).toBe('warn');
  });

  it("inherits the parent's level and hands out real children", () => {
    const { lines, log } = capture();
    const request = lazyChildLogger(log, { request_id: 'r-2' }, {});
    request.info('hello');
    request.child({ step: 'x' }).info('nested');
    expect(lines.map((l) => [l.msg, l.request_id, l.step])).toEqual([
      ['hello', 'r-2', undefined],
      ['nested', 'r-2', 'x'],
    ]);
  });
});
