/** A string pattern of the schemas, and what it admits in words: the error a caller reads names the words, not the regex. */
export interface Pattern {
  source: string;
  words: string;
}

const WORDS = new Map<string, string>();

/** Declares a pattern with its words; a schema that uses it gets errors in those words. */
export function pattern(source: string, words: string): Pattern {
  WORDS.set(source, words);
  return { source, words };
}

/** Platform ids, action types, flag names. */
export const SLUG = pattern(
  '^[a-z0-9][a-z0-9_.-]{0,63}$',
  '1 to 64 lowercase letters, digits, "_", "." or "-", starting with a letter or digit',
);

/** RFC 6749 scope tokens. */
export const SCOPE = pattern('^[\\x21\\x23-\\x5b\\x5d-\\x7e]+$', 'printable ASCII without spaces, double quotes or backslashes');

export const patternInWords = (source: string): string | undefined => WORDS.get(source);
