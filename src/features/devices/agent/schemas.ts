import { Type } from 'typebox';
import { PROFILE_NAME } from '../shared/schemas.js';

// The enrollment fields are checked by the service, which answers with the error codes Borealis agents know
// (hostname_required, invalid_agent_pubkey …); the schema bounds only their type and size.
const looseString = (description: string) => Type.String({ maxLength: 1024, description });

export const enrollRequestBody = Type.Object(
  {
    hostname: Type.Optional(looseString('The device host name (RFC 1123); required')),
    enrollment_code: Type.Optional(looseString('The install code; may be empty when the key is preauthorized')),
    agent_pubkey: Type.Optional(looseString('The device key: standard base64 of its Ed25519 SPKI DER')),
    client_nonce: Type.Optional(looseString('Standard base64 of at least 16 random bytes')),
  },
  { additionalProperties: false },
);

export const enrollAnswer = Type.Object({
  status: Type.Union([Type.Literal('pending'), Type.Literal('approved')]),
  approval_reference: Type.String(),
  server_nonce: Type.String({ description: 'Standard base64; every poll signs it' }),
  poll_after_ms: Type.Integer(),
  signing_key: Type.String({ description: 'The Ed25519 key (base64 SPKI DER) that signs job payloads for devices' }),
});

export const enrollPollBody = Type.Object(
  {
    approval_reference: Type.String({ minLength: 1, maxLength: 100 }),
    client_nonce: looseString('A fresh nonce for every poll: standard base64 of at least 16 random bytes'),
    proof_sig: looseString('Standard base64 Ed25519 signature of server_nonce || approval_reference (UTF-8) || client_nonce'),
  },
  { additionalProperties: false },
);

const tokenFields = {
  access_token: Type.String(),
  expires_in: Type.Integer(),
  refresh_token: Type.String(),
  token_type: Type.Literal('DPoP'),
};

export const pollAnswer = Type.Union([
  Type.Object({ status: Type.Literal('pending'), poll_after_ms: Type.Integer() }),
  Type.Object({ status: Type.Literal('denied'), reason: Type.String() }),
  Type.Object({ status: Type.Literal('expired') }),
  Type.Object({ status: Type.Literal('approved'), device_id: Type.String(), ...tokenFields }),
]);

export const refreshBody = Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export const tokenAnswer = Type.Object(tokenFields);

const shortText = (maxLength: number) => Type.String({ maxLength, format: 'free-text' });

export const heartbeatBody = Type.Object(
  {
    agent_version: shortText(64),
    os: shortText(200),
    kernel: shortText(200),
    profile: Type.Union([Type.String({ maxLength: 64, pattern: PROFILE_NAME.source }), Type.Null()]),
    uptime_s: Type.Integer({ minimum: 0 }),
    services: Type.Array(
      Type.Object(
        { name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9@._:-]+$' }), state: shortText(64) },
        {
          additionalProperties: false,
        },
      ),
      { maxItems: 256 },
    ),
  },
  { additionalProperties: false },
);

export const heartbeatAnswer = Type.Object({ device_id: Type.String(), heartbeat_interval_s: Type.Integer() });

export const jwks = Type.Object({
  keys: Type.Array(
    Type.Object({ kty: Type.String(), crv: Type.String(), x: Type.String(), kid: Type.String(), alg: Type.String(), use: Type.String() }),
  ),
});
