/**
 * What kind of failure a domain error is. The HTTP shell maps each kind to one status
 * (src/http/plugins/errors.ts), so no service knows about HTTP.
 */
export type ErrorKind =
  'invalid' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'rate_limited' | 'unavailable' | 'not_confirmed';

/** A failure the caller caused or can act on; becomes `{ error: { code, message, details } }` in the API. */
export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    /** For the server log only: `cause` never reaches the caller. */
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'DomainError';
  }
}

/** One field of a request and what is wrong with it, as `details.fields` of a 400 lists them. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** The 400 VALIDATION_FAILED that schema validation answers: every field named, the message saying each problem. */
export function invalidFields(fields: FieldProblem[], note?: string): DomainError {
  const message = fields.map((f) => `${f.field} ${f.message}`).join('; ');
  return new DomainError('invalid', 'VALIDATION_FAILED', note ? `${message}: ${note}` : message, { fields });
}

/** A command line that cannot be carried out as given: one line (then any details, such as a profile's issues), exit code 2, like a bad setting. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A start-up problem the operator can fix; printed as one line without a stack. */
export class StartupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupError';
  }
}
