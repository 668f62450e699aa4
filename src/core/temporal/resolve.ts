import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Lifecycle } from '../process/lifecycle.js';
import { ensureTemporalCli } from './cli.js';
import { serverLogOf, startDevServer } from './dev-server.js';

export interface TemporalEndpoint {
  address: string;
  uiUrl: string | undefined;
}

/** TEMPORAL_ADDRESS when given; otherwise an embedded dev server under the data dir, stopped by the lifecycle. */
export async function resolveTemporal(config: Config, log: Logger, lifecycle: Lifecycle): Promise<TemporalEndpoint> {
  const { temporal } = config;
  if (temporal.address) return { address: temporal.address, uiUrl: undefined };
  const cli = await ensureTemporalCli(temporal.embedded.cli, (line) => log.info(line));
  log.info(
    { cli, dbFile: temporal.embedded.dbFile, serverLog: serverLogOf(temporal.embedded.dbFile) },
    'starting embedded Temporal server',
  );
  const server = await startDevServer({
    cli,
    dbFile: temporal.embedded.dbFile,
    port: temporal.embedded.port,
    uiPort: temporal.embedded.uiPort,
    namespace: temporal.namespace,
  });
  if (server.leftoverPid !== undefined)
    log.warn({ pid: server.leftoverPid }, 'stopped the embedded Temporal server an earlier run left behind when it was killed');
  lifecycle.onStop('temporal-server', () => server.stop());
  return { address: server.address, uiUrl: server.uiUrl };
}

/** Where a lone API or worker finds Temporal: the configured address, or the embedded server's. */
export function temporalAddress(config: Config): string {
  return config.temporal.address ?? `127.0.0.1:${config.temporal.embedded.port}`;
}
