import { Ajv } from 'ajv';
import type { Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { isDisplayText, isFreeText } from '../../core/display-text.js';

// discriminator: a oneOf told apart by a property (a job's schedule by `kind`) reports only the errors of the
// branch that property names, and fills that branch's defaults.
const common: Options = { allErrors: true, useDefaults: true, removeAdditional: false, strict: false, discriminator: true };

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
