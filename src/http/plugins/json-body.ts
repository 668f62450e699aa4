import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { DomainError } from '../../core/errors.js';

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Where a body that is not UTF-8 first goes wrong: the offset of the byte that starts no well-formed sequence (RFC 3629). */
function firstBadByte(bytes: Buffer): number {
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i]!;
    const more =
      lead < 0x80 ? 0 : lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : -1;
    if (more < 0) return i;
    // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= more; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return i;
    }
    i += more + 1;
  }
  return bytes.length;
}

/** JSON is UTF-8 (RFC 8259); decoding anything else would store U+FFFD in place of what was sent. */
function notUtf8(bytes: Buffer): DomainError {
  const at = firstBadByte(bytes);
  const byte = bytes[at]?.toString(16).padStart(2, '0') ?? 'end';
  return new DomainError(
    'invalid',
    'INVALID_JSON_BODY',
    `Body is not UTF-8, which JSON must be (RFC 8259): the bytes at offset ${at} (0x${byte}) are no character`,
  );
}

const poisoned = () =>
  new DomainError(
    'invalid',
    'INVALID_JSON_BODY',
    'Body must not contain a "__proto__" key, or a "constructor" key holding "prototype", at any depth',
  );

/** Every body is JSON, in UTF-8; a refusal says what is wrong with it. */
export default fp(
  async (app: FastifyInstance) => {
    // Fastify's JSON parser calls a body with __proto__ or constructor.prototype "not valid JSON". It is valid,
    // and refused because it could rewrite prototypes; say so. Re-parsing costs only on the error path.
    const { onProtoPoisoning = 'error', onConstructorPoisoning = 'error' } = app.initialConfig;
    const parseJson = app.getDefaultJsonParser(onProtoPoisoning, onConstructorPoisoning);
    // A text/plain body would only fail validation as "must be object", so it is a 415 like any other type.
    app.removeContentTypeParser(['application/json', 'text/plain']);
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, bytes: Buffer, done) => {
      if (!isUtf8(bytes)) return done(notUtf8(bytes), undefined);
      const body = bytes.toString('utf8');
      // Fastify's own parser is the callback kind; it returns nothing.
      void parseJson(request, body, (err, value) => done(err && parsesAsJson(body) ? poisoned() : err, value));
    });
  },
  { name: 'json-body' },
);
