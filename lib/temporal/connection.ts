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
