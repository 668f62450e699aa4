import { pino } from 'pino';
import type { Logger, LoggerOptions } from 'pino';
import type { Config } from '../config/config.js';

/** Paths pino blanks out wherever they appear in a log line. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers.dpop',
  'req.headers["x-engine-key"]',
  'req.headers["x-api-key"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.apiKey',
  '*.api_key',
  '*.key',
  '*.refresh_token',
  '*.access_token',
];

export function loggerOptions(config: Pick<Config, 'log'>): LoggerOptions {
  return {
    level: config.log.level,
    base: { service: 'borgos' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactPaths, censor: '[redacted]' },
  };
}

/**
 * JSON to stdout; with BORG_LOG_FILE (say borg.log) also to size-rotated files borg.1.log, borg.2.log…
 * with `current.log` beside them linking to the live one.
 */
export function createLogger(config: Pick<Config, 'log'>): Logger {
  const options = loggerOptions(config);
  // Standard output is written as it is logged: pino's default buffers it and flushes at exit, and that flush retries
  // forever on a pipe whose reader went away meanwhile (`npm start | jq` and Ctrl-C), so the process never ended.
  const stdout = pino.destination({ dest: 1, sync: true });
  if (!config.log.file) return pino(options, stdout);
  // The files on pino-roll's own thread; standard output stays on this one, so a dead pipe cannot stall that thread.
  const files = pino.transport({
    target: 'pino-roll',
    options: { file: config.log.file, size: config.log.rotateSize, limit: { count: config.log.rotateKeep }, mkdir: true, symlink: true },
  });
  return pino(
    options,
    pino.multistream([
      { stream: stdout, level: config.log.level },
      { stream: files, level: config.log.level },
    ]),
  );
}
