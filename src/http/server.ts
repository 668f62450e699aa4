import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../core/config/config.js';
import type { Db } from '../core/db/database.js';
import { StartupError } from '../core/errors.js';
import { boundedRetryInterceptor, clientChannelArgs, connectionSettings } from '../core/temporal/connection.js';
import { buildApp } from './app.js';
import type { AppFeatures } from './app.js';

export interface ApiServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Listens on the configured address; Temporal is connected lazily so the API can report it down in /health. */
export async function startApiServer(
  config: Config,
  db: Db,
  log: Logger,
  temporalAddress: string,
  features: AppFeatures,
): Promise<ApiServer> {
  const connection = Connection.lazy({
    ...connectionSettings(config.temporal, temporalAddress),
    interceptors: [boundedRetryInterceptor()],
    channelArgs: clientChannelArgs,
  });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const app = await buildApp(
    { config, db, log, temporal: { client, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue } },
    features,
  );
  try {
    await app.listen({ host: config.api.host, port: config.api.port });
  } catch (err) {
    await connection.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new StartupError(`BORG_API_PORT ${config.api.port} on ${config.api.host} cannot be used (${code}); choose another port`, {
        cause: err,
      });
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      throw new StartupError(
        `BORG_API_HOST ${config.api.host} is not an address of this machine (${code}); use one it has, e.g. 127.0.0.1, or 0.0.0.0 for all`,
        { cause: err },
      );
    }
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.api.port;
  const host = config.api.host.includes(':') ? `[${config.api.host}]` : config.api.host;
  return {
    app,
    url: `http://${host}:${port}`,
    async close() {
      await app.close();
      await connection.close();
    },
  };
}
