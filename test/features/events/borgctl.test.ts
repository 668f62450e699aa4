import { describe, expect, inject, it } from 'vitest';
import { startTestStack } from '../../support/engine-control.js';
import { runScript } from '../../support/process.js';

async function borgctl(env: Record<string, string>, ...args: string[]) {
  const run = runScript('borgctl', env, args);
  const { code } = await run.exited;
  return { code, output: run.output() };
}

describe('borgctl events: what it refuses', () => {
  it('refuses a bad command line before it connects', async () => {
    expect(await borgctl({}, 'events')).toEqual({
      code: 2,
      output: 'borgctl: events needs an operator API key (any role) in BORG_OPERATOR_KEY\n',
    });
    const key = { BORG_OPERATOR_KEY: 'k' };
    expect((await borgctl(key, 'events', '--after', 'last')).output).toContain('--after must be an event id, a whole number, got "last"');
    expect((await borgctl(key, 'events', '--url', 'nowhere')).output).toContain(`--url must be the API's URL, got "nowhere"`);
    const misplaced = await borgctl({}, 'audit', 'verify', '--types', 'run.*');
    expect(misplaced).toEqual({ code: 2, output: 'borgctl: --types, --after and --url are options of events\n' });
  });

  it('ends with exit code 2 and the API reason when the API refuses the stream', async () => {
    const stack = await startTestStack(inject('temporalAddress'));
    try {
      const wrongKey = await borgctl({ BORG_OPERATOR_KEY: 'bok_wrong' }, 'events', '--url', stack.url);
      expect(wrongKey).toEqual({ code: 2, output: 'borgctl: the API refused the stream (401): unknown or revoked API key\n' });
      const unknownType = await borgctl({ BORG_OPERATOR_KEY: stack.adminKey }, 'events', '--url', stack.url, '--types', 'run.exploded');
      expect(unknownType.code).toBe(2);
      expect(unknownType.output).toContain('querystring.types names unknown event types: run.exploded');
    } finally {
      await stack.close();
    }
  });
});
