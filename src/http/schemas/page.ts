import { Type } from 'typebox';
import { invalidFields } from '../../core/errors.js';
import type { DomainError } from '../../core/errors.js';

/** Paging of a list that grows with history, in the list's order: at most `limit` a page, `after` the last id of the one before. */
export const pageQuery = {
  after: Type.Optional(
    Type.String({
      maxLength: 100,
      description:
        'Next page: only what follows this id in the list (the last one of the previous page). It must name an item of this list: one that names nothing is a 400',
    }),
  ),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1000, default: 1000, description: 'At most this many; a shorter page is the last' }),
  ),
};

/** A page cursor that names nothing would page from nowhere; it is refused rather than answered with an empty page. */
export const cursorNamesNothing = (field: 'after' | 'before', what: string, id: string): DomainError =>
  invalidFields([{ field: `querystring.${field}`, message: `names no ${what}` }], id);
