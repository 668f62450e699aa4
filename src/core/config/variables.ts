import * as p from './parsers.js';
import type { Parser } from './parsers.js';

export interface Variable<T> {
  name: string;
  /** Raw default; `undefined` means the setting is off unless given. */
  default: string | undefined;
  parse: Parser<T>;
  description: string;
  /** Never echo the value back (errors, logs). */
  secret?: boolean;
  /** Makes what the value names (a directory), once every setting is valid. */
  create?: (value: T) => void;
}

function v<T>(variable: Variable<T>): Variable<T> {
  return variable;
}

/** Every setting BorgOS reads from the environment; docs/configuration.md's table is generated from this. */
export const variables = {
  apiHost: v({ name: 'BORG_API_HOST', default: '127.0.0.1', parse: p.host, description: 'Address the API listens on' }),
  apiPort: v({ name: 'BORG_API_PORT', default: '8080', parse: p.port, description: 'Port the API listens on (0 picks a free one)' }),
  dataDir: v({
    name: 'BORG_DATA_DIR',
    default: './data',
    parse: p.writableDir,
    create: p.createDir,
    description: 'Directory for the SQLite database and the embedded Temporal database',
  }),
  autoMigrate: v({
    name: 'BORG_AUTO_MIGRATE',
    default: 'true',
    parse: p.boolean,
    description: 'Apply pending database migrations at start',
  }),
  logLevel: v({
    name: 'BORG_LOG_LEVEL',
    default: 'info',
    parse: p.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    description: 'Log level; debug adds policy reloads, workflow starts and decisions, and journal moves into the audit log',
  }),
  logFile: v({
    name: 'BORG_LOG_FILE',
    default: undefined,
    parse: p.writableFile,
    create: p.createFileDir,
    description: 'Also write JSON logs to this file, rotated by size',
  }),
  logRotateSize: v({
    name: 'BORG_LOG_ROTATE_SIZE',
    default: '10m',
    parse: p.size,
    description: 'Rotate the log file when it reaches this size',
  }),
  logRotateKeep: v({ name: 'BORG_LOG_ROTATE_KEEP', default: '5', parse: p.integer(1, 1000), description: 'Rotated log files to keep' }),
  shutdownTimeoutMs: v({
    name: 'BORG_SHUTDOWN_TIMEOUT_MS',
    default: '15000',
    parse: p.integer(100, 600_000),
    description: 'How long a clean shutdown may take before it is forced',
  }),
  temporalCli: v({
    name: 'BORG_TEMPORAL_CLI',
    default: undefined,
    parse: p.executableFile,
    description: "Path to the `temporal` CLI for the embedded server (default: PATH, then Go's bin dir, else `go install`)",
  }),
  temporalPort: v({ name: 'BORG_TEMPORAL_PORT', default: '7233', parse: p.port, description: 'gRPC port of the embedded Temporal server' }),
  temporalUiPort: v({
    name: 'BORG_TEMPORAL_UI_PORT',
    default: '8233',
    parse: p.port,
    description: 'Web UI port of the embedded Temporal server',
  }),
  temporalAddress: v({
    name: 'TEMPORAL_ADDRESS',
    default: undefined,
    parse: p.hostPort,
    description: 'Connect to this Temporal frontend (host:port) instead of starting an embedded server',
  }),
  temporalNamespace: v({ name: 'TEMPORAL_NAMESPACE', default: 'default', parse: p.nonEmpty, description: 'Temporal namespace' }),
  temporalTaskQueue: v({ name: 'TEMPORAL_TASK_QUEUE', default: 'borg', parse: p.nonEmpty, description: 'Task queue the worker polls' }),
  temporalApiKey: v({
    name: 'TEMPORAL_API_KEY',
    default: undefined,
    parse: p.nonEmpty,
    secret: true,
    description: 'API key for Temporal Cloud (implies TLS)',
  }),
  temporalTls: v({ name: 'TEMPORAL_TLS', default: 'false', parse: p.boolean, description: 'Use TLS to reach TEMPORAL_ADDRESS' }),
  temporalTlsCert: v({
    name: 'TEMPORAL_TLS_CERT',
    default: undefined,
    parse: p.readableFile,
    description: 'Client certificate (PEM) for mTLS',
  }),
  temporalTlsKey: v({
    name: 'TEMPORAL_TLS_KEY',
    default: undefined,
    parse: p.readableFile,
    description: 'Client private key (PEM) for mTLS',
  }),
  temporalTlsCa: v({
    name: 'TEMPORAL_TLS_CA',
    default: undefined,
    parse: p.readableFile,
    description: 'CA certificate (PEM) that signed the server certificate',
  }),
  temporalTlsServerName: v({
    name: 'TEMPORAL_TLS_SERVER_NAME',
    default: undefined,
    parse: p.host,
    description: 'Server name to verify in the server certificate',
  }),
};

export type Variables = typeof variables;
