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

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}
