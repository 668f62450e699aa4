import { defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import type { TemporalConfig } from '../config/config.js';

export interface ConnectionSettings {
  address: string;
  tls?: {
    serverNameOverride?: string;
    serverRootCACertificate?: Buffer;
    clientCertPair?: { crt: Buffer; key: Buffer };
  };
  apiKey?: string;
}

/** Connection options shared by the client (API) and the native connection (worker). */
export function connectionSettings(temporal: TemporalConfig, address: string): ConnectionSettings {
  const settings: ConnectionSettings = { address };
  if (temporal.tls.enabled) {
    const { cert, key, ca, serverName } = temporal.tls;
    settings.tls = {
      ...(serverName ? { serverNameOverride: serverName } : {}),
      ...(ca ? { serverRootCACertificate: readFileSync(ca) } : {}),
      ...(cert && key ? { clientCertPair: { crt: readFileSync(cert), key: readFileSync(key) } } : {}),
    };
  }
  if (temporal.apiKey) settings.apiKey = temporal.apiKey;
  return settings;
}

/**
 * gRPC channel settings of the API's client. gRPC waits longer before each reconnect (x1.6, up to 120 s), so
 * after a long outage the API went on refusing calls for up to a minute while Temporal already answered.
 */
export const clientChannelArgs = {
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 1_000,
} as const;

/** gRPC's status code for a server that cannot be reached (or is restarting). */
const UNAVAILABLE = 14;
/** The longest pause between two attempts of a client call that Temporal refused as unavailable. */
const MAX_RETRY_DELAY_MS = 1000;

/**
 * The SDK's gRPC retries, with shorter pauses while Temporal is unavailable. Its default pauses up to 6 s between
 * attempts and only then finds the call's deadline gone, so a request bounded at 10 s answered after up to 15 s while
 * Temporal was down. More attempts than the SDK's 10 keep such a call trying until its deadline, as before. Other
 * retryable answers (a rate limit asking to back off) keep the SDK's pauses.
 */
export function boundedRetryInterceptor(): ReturnType<typeof makeGrpcRetryInterceptor> {
  const sdk = defaultGrpcRetryOptions({ maxAttempts: 20 });
  return makeGrpcRetryInterceptor({
    retryableDecider: sdk.retryableDecider,
    delayFunction: (attempt, status) =>
      // The SDK's own start (100 ms) and factor (1.7), written out because it ignores a maximum given to it;
      // jittered after the cap, so API processes that lost Temporal together do not all retry in the same instant.
      Number(status.code) === UNAVAILABLE
        ? Math.min(MAX_RETRY_DELAY_MS, 100 * 1.7 ** attempt) * (0.8 + Math.random() * 0.4)
        : sdk.delayFunction(attempt, status),
  });
}
