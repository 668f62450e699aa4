import { pino } from 'pino';
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { OutageLog } from '../../../src/core/logging/outage-log.js';

/** A real logger whose lines are kept, each as its own fields and its message. */
function memoryLog(): Logger & { lines: { fields: Record<string, unknown>; msg: string }[] } {
  const lines: { fields: Record<string, unknown>; msg: string }[] = [];
  const log = pino(
    { base: null, timestamp: false },
    {
      write: (line: string) => {
        const { msg, level: _level, ...fields } = JSON.parse(line) as Record<string, unknown>;
        lines.push({ fields, msg: String(msg) });
      },
    },
  );
  return Object.assign(log, { lines });
}

describe('OutageLog', () => {
  it('writes one line when an outage starts and one with the count when it ends', () => {
    const log = memoryLog();
    const outage = new OutageLog(log, 'Temporal');
    outage.answered();
    for (let i = 0; i < 40; i++) outage.failed(new Error('14 UNAVAILABLE: No connection established'));
    expect(log.lines).toEqual([
      {
        fields: { cause: '14 UNAVAILABLE: No connection established' },
        msg: 'Temporal does not answer; what needs it is refused until it does',
      },
    ]);
    outage.answered();
    outage.answered();
    expect(log.lines).toHaveLength(2);
    expect(log.lines[1]).toEqual({
      fields: { failed_calls: 40, outage_s: 0 },
      msg: 'Temporal answers again after 0 s; 40 calls failed meanwhile',
    });
  });

  it('counts each outage on its own', () => {
    const log = memoryLog();
    const outage = new OutageLog(log, 'Temporal');
    outage.failed('down');
    outage.answered();
    outage.failed('down again');
    outage.failed('still down');
    outage.answered();
    expect(log.lines.map((l) => l.fields)).toEqual([
      { cause: 'down' },
      { failed_calls: 1, outage_s: 0 },
      { cause: 'down again' },
      { failed_calls: 2, outage_s: 0 },
    ]);
  });
});
