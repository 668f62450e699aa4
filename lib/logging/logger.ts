import { pino } from 'pino';
import type { Logger, LoggerOptions, TransportTargetOptions } from 'pino';
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
  if (!config.log.file) return pino(options);
  const targets: TransportTargetOptions[] = [
    { target: 'pino/file', level: config.log.level, options: { destination: 1 } },
    {
      target: 'pino-roll',
      level: config.log.level,
      options: { file: config.log.file, size: config.log.rotateSize, limit: { count: config.log.rotateKeep }, mkdir: true, symlink: true },
    },
  ];
  return pino(options, pino.transport({ targets }));
}
