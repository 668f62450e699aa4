import { HEAD_PATTERN } from '../../audit/chain.js';

/** A string pattern of the schemas, and what it admits in words: the error a caller reads names the words, not the regex. */
interface Pattern {
  source: string;
  words: string;
}

/** Platform ids, action types, flag names. */
export const SLUG: Pattern = { source: '^[a-z0-9][a-z0-9_.-]{0,63}$', words: '1 to 64 lowercase letters, digits, "_", "." or "-", starting with a letter or digit' };

/** RFC 6749 scope tokens. */
export const SCOPE: Pattern = { source: '^[\\x21\\x23-\\x5b\\x5d-\\x7e]+$', words: 'printable ASCII without spaces, double quotes or backslashes' };

export const AUDIT_HEAD: Pattern = { source: HEAD_PATTERN.source, words: '64 lowercase hexadecimal digits' };

const WORDS = new Map([SLUG, SCOPE, AUDIT_HEAD].map((p) => [p.source, p.words]));

export const patternInWords = (source: string): string | undefined => WORDS.get(source);
