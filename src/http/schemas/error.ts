/** The one shape every 4xx/5xx reply has. */
export const errorSchema = {
  $id: 'Error',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Machine-readable, e.g. VALIDATION_FAILED' },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
    },
  },
} as const;

export const errorRef = { $ref: 'Error#' } as const;

/** What any route with a body may answer before its handler runs: over the body limit, or not JSON. */
export const bodyErrors = { 413: errorRef, 415: errorRef } as const;

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}
