import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { buildApp } from '../../src/http/app.js';
import { startApiServer } from '../../src/http/server.js';
import { apiFeatures } from '../../src/main/api-app.js';
import type { ApiServer } from '../../src/http/server.js';
import { loadConfig } from '../../src/core/config/config.js';
import type { Config } from '../../src/core/config/config.js';
import { closeDatabase } from '../../src/core/db/database.js';
import type { Db } from '../../src/core/db/database.js';
import { openMigratedDatabase } from '../../src/core/db/open.js';

export interface TestApi {
  config: Config;
  db: Db;
  server: ApiServer;
  url: string;
  close(): Promise<void>;
}

export function tempDir(prefix = 'borg-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The real API on an ephemeral port, over a fresh SQLite file, pointed at the given Temporal. */
export async function startTestApi(temporalAddress: string, env: Record<string, string> = {}, log?: Logger): Promise<TestApi> {
  const config = loadConfig({ BORG_DATA_DIR: tempDir(), BORG_API_PORT: '0', TEMPORAL_ADDRESS: temporalAddress, ...env });
  const logger = log ?? pino({ level: 'silent' });
  const db = openMigratedDatabase({ file: config.dbFile, autoMigrate: true, log: logger });
  const server = await startApiServer(config, db, logger, temporalAddress, apiFeatures);
  return {
    config,
    db,
    server,
    url: server.url,
    async close() {
      await server.close();
      closeDatabase(db);
    },
  };
}

/** The app with every plugin and route, not listening yet, over a fresh SQLite file; its Temporal connection closes with it. */
export async function buildTestApp(temporalAddress: string): Promise<FastifyInstance> {
  const connection = Connection.lazy({ address: temporalAddress });
  const log = pino({ level: 'silent' });
  const config = loadConfig({ BORG_DATA_DIR: tempDir(), TEMPORAL_ADDRESS: temporalAddress });
  const app = await buildApp(
    {
      config,
      db: openMigratedDatabase({ file: config.dbFile, autoMigrate: true, log }),
      log,
      temporal: { client: new Client({ connection }), namespace: 'default', taskQueue: 'borg' },
    },
    apiFeatures,
  );
  app.addHook('onClose', () => connection.close());
  return app;
}
