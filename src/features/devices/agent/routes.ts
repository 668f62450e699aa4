import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../../../core/errors.js';
import type { AuthHook } from '../../../http/plugins/auth.js';
import { errorRef } from '../../../http/schemas/error.js';
import { deviceView } from '../shared/schemas.js';
import { requestProof } from './device-auth.js';
import {
  enrollAnswer,
  enrollPollBody,
  enrollRequestBody,
  heartbeatAnswer,
  heartbeatBody,
  jwks,
  pollAnswer,
  refreshBody,
  tokenAnswer,
} from './schemas.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** At the token endpoint: the thumbprint of the key the request's DPoP proof was made with. */
    dpopJkt: string | undefined;
  }
}

const deviceSecurity = [{ deviceToken: [] }];

/** The calls a device makes: enrollment, token refresh, heartbeats and its own record (all under /api/agent). */
export default async function agentRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { enrollments, registry, tokens, keys, dpop, limiter } = app.devices;
  const device = app.auth.anyOf('device');
  app.decorateRequest('dpopJkt', undefined);

  // Before the body is read: a stranger's garbage counts against its address like any enrollment call.
  const enrolling = app.auth.document(
    async (request: FastifyRequest) => {
      limiter.hit(request.ip, undefined);
    },
    {
      audiences: ['agent'],
      note: 'No credentials: an install code (or a preauthorized key) to ask, and a signature by the device key to poll. Rate limited per client address and per device key (429 with Retry-After).',
    },
  );
  // RFC 9449 §5: at the token endpoint a refused proof is a 400, not a 401; the challenge header stays.
  const refreshProof: AuthHook = app.auth.document(
    async (request: FastifyRequest) => {
      try {
        request.dpopJkt = requestProof(request, dpop).jkt;
      } catch (err) {
        if (err instanceof DomainError && err.kind === 'unauthenticated')
          throw new DomainError('invalid', err.code, err.message, err.details);
        throw err;
      }
    },
    { audiences: ['agent'], note: 'A DPoP proof made with the device key (no access token).' },
  );

  const errors = { 400: errorRef, 401: errorRef, 403: errorRef, 404: errorRef, 409: errorRef, 429: errorRef };

  app.post(
    '/api/agent/enroll/request',
    {
      onRequest: enrolling,
      schema: {
        summary: 'A device asks to enroll with its key and an install code; a repeat returns the same enrollment',
        body: enrollRequestBody,
        response: { 200: enrollAnswer, ...errors },
      },
    },
    async (request) => enrollments.request(request.body, request.ip, request.id),
  );

  app.post(
    '/api/agent/enroll/poll',
    {
      onRequest: enrolling,
      schema: {
        summary: 'A device polls its enrollment with a proof of its key; once approved, it receives its credentials, once',
        body: enrollPollBody,
        response: { 200: pollAnswer, ...errors },
      },
    },
    async (request) => enrollments.poll(request.body, request.id),
  );

  app.post(
    '/api/agent/token/refresh',
    {
      onRequest: refreshProof,
      schema: {
        summary: 'A device trades its refresh token for new tokens; the refresh token rotates, and a reused one revokes its family',
        body: refreshBody,
        response: { 200: tokenAnswer, ...errors },
      },
    },
    async (request) => tokens.rotate(request.id, request.body.refresh_token, request.dpopJkt!),
  );

  app.post(
    '/api/agent/heartbeat',
    {
      onRequest: device,
      schema: {
        summary: 'A device reports that it runs, and what: it counts as online until it misses heartbeats',
        security: deviceSecurity,
        body: heartbeatBody,
        response: { 200: heartbeatAnswer, ...errors },
      },
    },
    async (request) => {
      registry.heartbeat(request.device!.id, request.body);
      return { device_id: request.device!.id, heartbeat_interval_s: app.devices.heartbeatIntervalS };
    },
  );

  app.get(
    '/api/agent/me',
    {
      onRequest: device,
      schema: { summary: "The device's own record", security: deviceSecurity, response: { 200: deviceView, ...errors } },
    },
    async (request) => registry.get(request.device!.id),
  );

  app.get(
    '/.well-known/jwks.json',
    { schema: { summary: 'The public keys that verify device access tokens (RFC 7517)', response: { 200: jwks } } },
    async () => keys.jwks(),
  );
}
