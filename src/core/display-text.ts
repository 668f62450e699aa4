/**
 * Characters that show nothing: spaces, format characters (a zero-width joiner, a right-to-left mark), every
 * default-ignorable code point (a word joiner, the Hangul filler U+3164) and the blank braille pattern.
 */
const INVISIBLE = /[\p{White_Space}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/gu;

/**
 * Text a person reads in a list: something visible, and nothing that shows other than it is stored or compared:
 * no control characters (a newline, a NUL, a terminal escape), no bidirectional overrides or zero-width spaces
 * (`a\u202eb` reads backwards), no unpaired surrogate (SQLite stores it as bytes no client can decode), no space at
 * either end ("mailer " beside "mailer"). Linear scans only: one regex for all of it backtracks over a long failing
 * string, and Ajv checks formats even past maxLength. The API's `display-text` format and borgctl both apply it.
 */
export const isDisplayText = (text: string): boolean =>
  text.isWellFormed() &&
  !/[\p{Cc}\u200B\u202A-\u202E\u2066-\u2069]/u.test(text) &&
  text.replace(INVISIBLE, '') !== '' &&
  text.trim() === text;

/** What display text must be, in the words that refuse it. */
export const DISPLAY_TEXT_RULE =
  'visible text without control characters, bidirectional overrides, zero-width spaces, unpaired surrogates or spaces at either end';

/**
 * What two names are compared by when they must differ: NFKC (a fullwidth "ｍａｉｌｅｒ" is "mailer") with every
 * invisible character removed, so "mailer" followed by a word joiner is the "mailer" it looks like.
 */
export const nameKey = (name: string): string => name.normalize('NFKC').replace(INVISIBLE, '');

/**
 * Free text (a reason, a description, an event's message): what someone wrote, tabs and line breaks included, but no
 * other control character (a NUL, a terminal escape that would act on the screen of an operator reading it) and no
 * unpaired surrogate, which SQLite stores as bytes that read back as something other than what was acknowledged.
 */
export const isFreeText = (text: string): boolean => text.isWellFormed() && !/[^\P{Cc}\t\n\r]/u.test(text);

/** What free text must be, in the words that refuse it. */
export const FREE_TEXT_RULE = 'text without control characters other than tabs and line breaks, or unpaired surrogates';
