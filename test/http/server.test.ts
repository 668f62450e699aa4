import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { startTestStack } from '../support/engine-control.js';
import type { TestStack } from '../support/engine-control.js';

describe('the API while nothing listens at Temporal’s address', () => {
  let s: TestStack;

  beforeAll(async () => {
    s = await startTestStack(`127.0.0.1:${await freePort()}`);
  });
  afterAll(() => s.close());

  // The SDK's own retries paused up to 6 s between attempts past the 10 s deadline: answers came after 10 to 15 s.
  it('answers 503 TEMPORAL_UNAVAILABLE once its 10 s wait is over, not seconds later', async () => {
    await s.putPlatform('gmail');
    const engine = await s.registerEngine();
    const started = Date.now();
    const res = await s.call('POST', '/grants/request', {
      engine,
      body: { platform: 'gmail', action_type: 'send_email', scopes: ['gmail.send'], reason: 'mail' },
    });
    const waited = Date.now() - started;
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('TEMPORAL_UNAVAILABLE');
    expect(waited).toBeGreaterThanOrEqual(9_000);
    expect(waited).toBeLessThan(13_500);
  }, 30_000);
});
