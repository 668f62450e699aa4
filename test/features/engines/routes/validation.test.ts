import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestStack } from '../../../support/engine-control.js';
import type { EngineCreds, TestStack } from '../../../support/engine-control.js';

/** Bodies that parse as JSON and have the right types, but values no operator should have to clean up later. */
describe('request bodies are refused with the field and what it must be', () => {
  let s: TestStack;
  let engine: EngineCreds;

  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
    engine = await s.registerEngine('mailer');
    await s.putPlatform('gmail');
  });
  afterAll(() => s.close());

  const visible =
    'must hold visible text without control characters, bidirectional overrides, zero-width spaces, unpaired surrogates or spaces at either end';
  const slugWords = 'must be 1 to 64 lowercase letters, digits, "_", "." or "-", starting with a letter or digit';
  it.each([
    ['POST', '/engines/register', { name: '   ' }, 'body.name', visible],
    ['POST', '/engines/register', { name: 'nul\u0000byte' }, 'body.name', visible],
    ['POST', '/engines/register', { name: 'half\ud800' }, 'body.name', visible],
    ['POST', '/engines/register', { name: 'invoice\u202efdp.exe' }, 'body.name', visible],
    ['POST', '/engines/register', { name: 'mail\u200ber' }, 'body.name', visible],
    ['POST', '/engines/register', { name: 'mailer ' }, 'body.name', visible],
    ['POST', '/engines/register', { name: '\u200d' }, 'body.name', visible],
    ['POST', '/engines/register', { name: '\u2060' }, 'body.name', visible],
    ['POST', '/engines/register', { name: '\u3164' }, 'body.name', visible],
    ['PUT', '/platforms/slack', { name: '\n', version: '1' }, 'body.name', visible],
    ['PUT', '/platforms/slack', { name: 'Slack', version: ' ' }, 'body.version', visible],
    ['POST', '/api-keys', { name: ' ', role: 'reader' }, 'body.name', visible],
    ['POST', '/api-keys', { name: 'ops', role: 'root' }, 'body.role', 'must be one of admin, operator, reader'],
    [
      'PUT',
      '/platforms/slack',
      { name: 'Slack', version: '1', status: 'paused' },
      'body.status',
      'must be one of active, maintenance, disabled',
    ],
    ['POST', '/grants', { platform: 'gmail', action_type: 'send', scopes: ['a', 'a'] }, 'body.scopes', 'must not repeat an item'],
    [
      'POST',
      '/grants',
      { platform: 'gmail', action_type: 'send', scopes: ['two words'] },
      'body.scopes.0',
      'must be printable ASCII without spaces, double quotes or backslashes',
    ],
    ['POST', '/grants', { platform: 'Gmail', action_type: 'send', scopes: ['x'] }, 'body.platform', slugWords],
    ['PUT', '/platforms/Slack', { name: 'Slack', version: '1' }, 'params.id', slugWords],
  ])('%s %s %j: 400 naming %s', async (method, path, body, field, message) => {
    const sent = path === '/grants' ? { engine_id: engine.id, ...body } : body;
    const res = await s.call(method, path, { body: sent });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      code: 'VALIDATION_FAILED',
      message: `${field} ${message}`,
      details: { fields: [{ field, message }] },
    });
  });

  it.each([['mailer\u2060'], ['mailer\u200f'], ['mai\u200dler'], ['ｍａｉｌｅｒ']])(
    'refuses %j with 409 while "mailer" exists, as it reads the same',
    async (name) => {
      const res = await s.call('POST', '/engines/register', { body: { name } });
      expect(res.status).toBe(409);
      expect(res.body.error).toEqual({
        code: 'ENGINE_EXISTS',
        message: `an engine named "mailer" is already registered, and ${JSON.stringify(name)} reads the same`,
      });
      expect(
        (await s.call('GET', '/engines')).body.filter(
          (e: { name: string }) => e.name !== 'mailer' && e.name.normalize('NFKC').includes('ma'),
        ),
      ).toEqual([]);
    },
  );

  const freeText = 'must be text without control characters other than tabs and line breaks, or unpaired surrogates';
  // The last two columns: a list that would show what was stored, and a word that only the refused body holds.
  it.each([
    ['POST', '/engines/register', { name: 'ansi', description: 'clears \u001b[2J the screen' }, 'body.description', '/engines', 'ansi'],
    ['PUT', '/flags/quiet', { enabled: false, description: 'half\ud800' }, 'body.description', '/flags', 'quiet'],
    [
      'POST',
      '/grants/request',
      { platform: 'gmail', action_type: 'send_free', scopes: ['x'], reason: 'x\udc00y' },
      'body.reason',
      '/grant-requests',
      'send_free',
    ],
    ['POST', '/log/engine_event', { type: 'sent', message: 'nul\u0000byte' }, 'body.message', '/log/engine_events', 'nul'],
    ['POST', '/log/engine_event', { type: 'rang\u0007', message: 'bell' }, 'body.type', '/log/engine_events', 'bell'],
  ])('%s %s %j: free text is refused with 400 naming %s, and nothing is stored', async (method, path, body, field, list, word) => {
    const byEngine = path === '/grants/request' || path === '/log/engine_event';
    const res = await s.call(method, path, { body, ...(byEngine ? { engine } : {}) });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      code: 'VALIDATION_FAILED',
      message: `${field} ${freeText}`,
      details: { fields: [{ field, message: freeText }] },
    });
    expect(JSON.stringify((await s.call('GET', list)).body)).not.toContain(word);
  });

  it('keeps line breaks and tabs in free text, as sent', async () => {
    const res = await s.call('POST', '/log/engine_event', { engine, body: { type: 'digest', message: 'line one\n\tline two' } });
    expect(res.status).toBe(202);
    const [event] = (await s.call('GET', `/log/engine_events?engine_id=${engine.id}`)).body.filter(
      (e: { type: string }) => e.type === 'digest',
    );
    expect(event.message).toBe('line one\n\tline two');
  });

  it('refuses a body on a route that reads none, rather than dropping it without a word', async () => {
    const suspend = (raw?: string) =>
      s.call('POST', `/engines/${engine.id}/suspend`, raw === undefined ? {} : { raw, headers: { 'content-type': 'application/json' } });
    const refused = await suspend('{"reason":"incident 42"}');
    expect(refused.status).toBe(400);
    expect(refused.body.error).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'body.reason is not allowed: this route takes no body',
      details: { fields: [{ field: 'body.reason', message: 'is not allowed' }] },
    });
    expect((await suspend('"now"')).body.error.details).toEqual({ fields: [{ field: 'body', message: 'is not allowed' }] });
    expect((await s.call('GET', `/engines/${engine.id}`)).body.status).toBe('active');
    for (const raw of [undefined, '{}', 'null']) expect((await suspend(raw)).status).toBe(200);
    expect((await s.call('POST', `/engines/${engine.id}/resume`)).status).toBe(200);
  });

  // A pattern that backtracks took minutes on this body, past the test timeout, and held the event loop all that time.
  it('refuses a long name with a control character at its end without backtracking over it', async () => {
    const res = await s.call('POST', '/engines/register', { body: { name: `${'a'.repeat(1_000_000)}\u0001` } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields).toEqual([
      { field: 'body.name', message: 'must NOT have more than 100 characters' },
      { field: 'body.name', message: visible },
    ]);
  });

  it('still takes names in any script, with inner spaces', async () => {
    expect((await s.call('POST', '/engines/register', { body: { name: 'Kalender – München 2' } })).status).toBe(201);
    expect((await s.call('POST', '/engines/register', { body: { name: '👩‍💻 שלום bot' } })).status).toBe(201);
  });
});
