import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../../core/errors.js';
import { header } from '../../../http/plugins/auth.js';
import type { AuthScheme } from '../../../http/plugins/auth.js';
import { verifyDpopProof } from '../dpop/verify-proof.js';
import type { DpopProof, DpopSettings } from '../dpop/verify-proof.js';
import { verifyAccessToken } from '../tokens/access-token.js';
import type { TokenAudience } from '../tokens/access-token.js';
import type { DeviceTokenKeys } from '../tokens/signing-keys.js';
import { VerifiedTokens } from '../tokens/verified-tokens.js';
import type { DeviceRepository } from '../repositories/devices.js';

/** The device a request was admitted for. */
export interface DeviceIdentity {
  id: string;
  jkt: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    device: DeviceIdentity | undefined;
  }
}

export interface DeviceAuthDeps {
  keys: DeviceTokenKeys;
  audience: TokenAudience;
  dpop: DpopSettings;
  devices: DeviceRepository;
}

const tokenRefused = (message: string) => new DomainError('unauthenticated', 'invalid_token', `access token refused: ${message}`);

function accessToken(request: FastifyRequest): string | undefined {
  const auth = header(request, 'authorization');
  return auth?.slice(0, 5).toLowerCase() === 'dpop ' ? auth.slice(5).trim() : undefined;
}

/** The DPoP proof of a request, checked (RFC 9449 §4.3) against where it was sent and, at a resource, its access token. */
export function requestProof(request: FastifyRequest, dpop: DpopSettings, token?: { token: string; jkt: string }): DpopProof {
  return verifyDpopProof(
    {
      dpop: request.raw.headersDistinct.dpop,
      method: request.method,
      target: { protocol: request.protocol, host: request.host, url: request.url },
      ...(token ? { accessToken: token } : {}),
    },
    dpop,
  );
}

/**
 * Devices: `Authorization: DPoP <access token>` and a DPoP proof made with the key the token is bound to, on
 * every call. The token must be signed by a key of this server, and carry the device's current token version:
 * quarantine, revoke and purge end every token at once.
 */
export function deviceAuthScheme(deps: DeviceAuthDeps): AuthScheme {
  const verified = new VerifiedTokens();
  const claimsOf = async (token: string) => {
    const cached = verified.get(token);
    if (cached) return cached;
    const claims = await verifyAccessToken(deps.keys, token, deps.audience);
    verified.add(token, claims);
    return claims;
  };
  return {
    name: 'device',
    audience: 'agent',
    securitySchemes: {
      deviceToken: {
        type: 'http',
        scheme: 'DPoP',
        description: 'Device access token (RFC 9449): Authorization: DPoP <token>, with a DPoP proof header made with the device key',
      },
    },
    presents: (request) => accessToken(request) !== undefined || request.headers.dpop !== undefined,
    authenticate: async (request) => {
      const token = accessToken(request);
      if (!token) {
        if (header(request, 'authorization'))
          throw tokenRefused('device tokens are sent as Authorization: DPoP <token>, not under another scheme');
        throw new DomainError(
          'unauthenticated',
          'DEVICE_AUTH_REQUIRED',
          'send the access token as Authorization: DPoP <token>, with a DPoP proof header',
        );
      }
      const claims = await claimsOf(token);
      const device = deps.devices.authRow(claims.sub);
      if (!device) throw tokenRefused('the device no longer exists; enroll again');
      if (device.status !== 'active' || device.token_version !== claims.token_version) {
        throw tokenRefused(device.status === 'active' ? 'it was revoked; refresh' : `the device is ${device.status}`);
      }
      requestProof(request, deps.dpop, { token, jkt: claims.cnf.jkt });
      request.device = { id: device.id, jkt: device.jkt };
    },
    actor: (request) => request.device && `device:${request.device.id}`,
    doc: { note: 'Devices: Authorization: DPoP <access token> and a DPoP proof header.' },
  };
}
