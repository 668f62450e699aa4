import { Ajv } from 'ajv';
import type { Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { isDisplayText, isFreeText } from '../../core/display-text.js';

const common: Options = { allErrors: true, useDefaults: true, removeAdditional: false, strict: false };

const withFormats = (ajv: Ajv): Ajv => addFormats.default(ajv).addFormat('display-text', isDisplayText).addFormat('free-text', isFreeText);

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
