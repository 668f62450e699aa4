import { describe, expect, it } from 'vitest';
import { isDisplayText, nameKey } from '../../src/core/display-text.js';

describe('display text', () => {
  it.each([
    ['a zero-width joiner', '\u200D'],
    ['a word joiner', '\u2060'],
    ['the Hangul filler', '\u3164'],
    ['a right-to-left mark', '\u200F'],
    ['a byte order mark', '\uFEFF'],
    ['a combining grapheme joiner', '\u034F'],
    ['the blank braille pattern', '\u2800'],
    ['a mix of them', '\u200D\u3164\u2060'],
    ['a no-break space between invisibles', '\u2060\u00A0\u2060'],
  ])('refuses a name of only %s', (_what, text) => {
    expect(isDisplayText(text)).toBe(false);
  });

  it('keeps accepting visible names, joiners inside words included', () => {
    for (const text of ['mailer', 'Grüße', '山田', 'family 👨\u200D👩\u200D👧', 'مرحبا']) expect(isDisplayText(text)).toBe(true);
  });

  it('compares names as they look: NFKC, invisible characters removed', () => {
    expect(nameKey('mailer\u2060')).toBe('mailer');
    expect(nameKey('mailer\u200F')).toBe('mailer');
    expect(nameKey('mai\u200Dler')).toBe('mailer');
    expect(nameKey('ｍａｉｌｅｒ')).toBe('mailer');
    expect(nameKey('mailer')).not.toBe(nameKey('Mailer'));
  });
});
