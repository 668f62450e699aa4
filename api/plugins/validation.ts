import { Ajv } from 'ajv';
import type { Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

const common: Options = { allErrors: true, useDefaults: true, removeAdditional: false, strict: false };

/**
 * Text a person reads in a list: something visible, and nothing that shows other than it is stored or compared:
 * no control characters (a newline, a NUL), no bidirectional overrides or zero-width spaces (`a\u202eb` reads
 * backwards), no unpaired surrogate (SQLite stores it as bytes no client can decode), no space at either end
 * ("mailer " beside "mailer"). Linear scans only: one regex for all of it backtracks over a long failing string,
 * and Ajv checks formats even past maxLength.
 */
const isDisplayText = (text: string): boolean =>
  text.isWellFormed() && !/[\p{Cc}\u200B\u202A-\u202E\u2066-\u2069]/u.test(text) && /\S/u.test(text) && text.trim() === text;

const withFormats = (ajv: Ajv): Ajv => addFormats.default(ajv).addFormat('display-text', isDisplayText);

/**
 * Bodies are validated as sent: a number where a string belongs is an error, not a string.
 * Query strings, params and headers arrive as text, so those parts coerce to their schema types.
 */
export default fp(
  async (app: FastifyInstance) => {
    const strict = withFormats(new Ajv({ ...common, coerceTypes: false }));
    const coercing = withFormats(new Ajv({ ...common, coerceTypes: 'array' }));
    app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema));
  },
  { name: 'validation' },
);
