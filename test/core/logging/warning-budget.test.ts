import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { WarningBudget } from '../../../src/core/logging/warning-budget.js';
import { tempDir } from '../../support/stack.js';

describe('a warning budget', () => {
  it('logs the first few of each interval, counts the rest in one line when the interval ends, then starts over', async () => {
    const file = join(tempDir('borg-budget-'), 'log.jsonl');
    const destination = pino.destination({ dest: file, sync: true });
    const log = pino({ base: null, timestamp: false }, destination);
    const budget = new WarningBudget(log, 'key refused', 3, 300);
    const lines = () =>
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { msg: string; n?: number; suppressed?: number });

    for (let n = 1; n <= 7; n++) budget.warn(log.child({ n }), { n });
    expect(lines().map((l) => l.n)).toEqual([1, 2, 3]);
    await new Promise((r) => setTimeout(r, 450));
    expect(lines().at(-1)).toMatchObject({ suppressed: 4, msg: 'key refused: 4 more in 300 ms, beyond the 3 logged one by one' });

    budget.warn(log, { n: 8 });
    expect(lines().at(-1)).toMatchObject({ n: 8, msg: 'key refused' });
    budget.flush();
    expect(lines()).toHaveLength(5);
  });
});
