import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

const toPino: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Routes the Temporal SDK's own log lines into our JSON log and leaves signals to our lifecycle,
 * which drains the API before the worker. Once per process, before any worker.
 */
export function installTemporalRuntime(log: Logger): void {
  const child = log.child({ component: 'temporal-sdk' });
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger('INFO', (entry) => child[toPino[entry.level]](entry.meta ?? {}, entry.message)),
  });
}
