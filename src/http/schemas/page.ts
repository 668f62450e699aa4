import { invalidFields } from '../../core/errors.js';
import type { AppError } from '../../core/errors.js';

/** Paging of a list that grows with history, in the list's order: at most `limit` a page, `after` the last id of the one before. */
export const pageQuery = {
  after: { type: 'string', maxLength: 100, description: 'Next page: only what follows this id in the list (the last one of the previous page)' },
  limit: { type: 'integer', minimum: 1, maximum: 1000, default: 1000, description: 'At most this many; a shorter page is the last' },
} as const;

/** A page cursor that names nothing would page from nowhere; it is refused rather than answered with an empty page. */
export const cursorNamesNothing = (field: 'after' | 'before', what: string, id: string): AppError =>
  invalidFields([{ field: `querystring.${field}`, message: `names no ${what}` }], id);
