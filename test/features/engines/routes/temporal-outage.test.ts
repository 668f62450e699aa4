import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack } from '../../../support/engine-control.js';
import type { TestStack } from '../../../support/engine-control.js';

/** Nothing listens on port 1: every call into Temporal is refused, as during an outage. */
const NO_TEMPORAL = '127.0.0.1:1';

describe('requests that need Temporal while it is down', () => {
  const lines: { level: number; msg: string; [field: string]: unknown }[] = [];
  let s: TestStack;

  beforeAll(async () => {
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    s = await startTestStack(NO_TEMPORAL, log);
    await s.putPlatform('jira');
  });
  afterAll(() => s.close());

  it('answer 503 TEMPORAL_UNAVAILABLE, and the log says so once for the outage, without a stack per request', async () => {
    const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
    const windows = await Promise.all(
      [1, 2, 3].map(() => s.call('POST', '/platforms/jira/maintenance', { body: { starts_at: inMs(60_000), ends_at: inMs(120_000) } })),
    );
    for (const res of windows) expect(res).toMatchObject({ status: 503, body: { error: { code: 'TEMPORAL_UNAVAILABLE' } } });
    expect(lines.filter((l) => l.msg.startsWith('Temporal does not answer'))).toHaveLength(1);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    // Each refusal is still in the request log, as a one-line answer.
    expect(lines.filter((l) => l.code === 'TEMPORAL_UNAVAILABLE')).toHaveLength(3);
  });
});
