import { Type } from 'typebox';
import type { Static } from 'typebox';

/** The one shape every 4xx/5xx reply has. */
export const errorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Machine-readable, e.g. VALIDATION_FAILED' }),
      message: Type.String(),
      details: Type.Optional(Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true })),
    }),
  },
  { $id: 'Error' },
);

export type ErrorBody = Static<typeof errorSchema>;

/** The error shape by reference: registered once (plugins/errors.ts), named in every route's responses. */
export const errorRef = Type.Unsafe<ErrorBody>({ $ref: 'Error#' });

/** What any route with a body may answer before its handler runs: over the body limit, or not JSON. */
export const bodyErrors = { 413: errorRef, 415: errorRef } as const;
