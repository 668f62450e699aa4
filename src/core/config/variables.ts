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
  publicUrl: v({
    name: 'BORG_PUBLIC_URL',
    default: undefined,
    parse: p.baseUrl,
    description:
      "The API's URL as devices reach it (behind a proxy: the proxy's). DPoP proofs must name it; it is also the token issuer. Unset: the URL each request was sent to",
  }),
  trustedProxies: v({
    name: 'BORG_TRUSTED_PROXIES',
    default: undefined,
    parse: p.addressList,
    description:
      'Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (addresses or CIDR ranges, comma-separated); unset: none',
  }),
  enrollDeadlineS: v({
    name: 'BORG_ENROLL_DEADLINE',
    default: '24h',
    parse: p.duration(1, 30 * 86_400),
    description: 'How long an enrollment waits for an operator before it expires',
  }),
  enrollRatePerAddress: v({
    name: 'BORG_ENROLL_RATE_PER_ADDRESS',
    default: '40',
    parse: p.integer(1, 1_000_000),
    description: 'Enrollment requests and polls a minute from one client address',
  }),
  enrollRatePerKey: v({
    name: 'BORG_ENROLL_RATE_PER_KEY',
    default: '12',
    parse: p.integer(1, 1_000_000),
    description: 'Enrollment requests and polls a minute for one device key',
  }),
  refreshIdleS: v({
    name: 'BORG_REFRESH_IDLE',
    default: '30d',
    parse: p.duration(60, 365 * 86_400),
    description: 'A device refresh token unused this long expires',
  }),
  refreshAbsoluteS: v({
    name: 'BORG_REFRESH_ABSOLUTE',
    default: '90d',
    parse: p.duration(60, 3650 * 86_400),
    description: 'A refresh token family ends this long after enrollment, used or not; the device enrolls again',
  }),
  dpopIatWindowS: v({
    name: 'BORG_DPOP_IAT_WINDOW',
    default: '60s',
    parse: p.duration(5, 3600),
    description: "How far a DPoP proof's iat may lie from the server's clock, either way",
  }),
  dpopNonces: v({
    name: 'BORG_DPOP_NONCES',
    default: 'false',
    parse: p.boolean,
    description: "Require a server nonce (DPoP-Nonce) in every DPoP proof, which bounds a proof's age by the server's clock",
  }),
  heartbeatIntervalS: v({
    name: 'BORG_HEARTBEAT_INTERVAL',
    default: '60s',
    parse: p.duration(5, 86_400),
    description: 'How often devices are told to send a heartbeat',
  }),
  offlineAfterMissed: v({
    name: 'BORG_OFFLINE_AFTER_MISSED',
    default: '3',
    parse: p.integer(1, 1000),
    description: 'Missed heartbeats after which a device counts as offline',
  }),
  eventsRetentionDays: v({
    name: 'BORG_EVENTS_RETENTION_DAYS',
    default: '7',
    parse: p.integer(1, 3650),
    description: "Days the operators' event stream (GET /events) keeps its events; a client may resume that far back",
  }),
  jobHistoryDays: v({
    name: 'BORG_JOB_HISTORY_DAYS',
    default: '30',
    parse: p.integer(1, 3650),
    description:
      'Days a job run and its per-device results are kept; a daily Temporal Schedule (jobs-history-purge-<task queue>) deletes older ones',
  }),
  jobCatchupWindowS: v({
    name: 'BORG_JOB_CATCHUP_WINDOW_S',
    default: '600',
    parse: p.integer(10, 86_400),
    description:
      "Seconds a scheduled fire may come late (Temporal down or overloaded) and still start its run; a later one is skipped and counted in GET /jobs/:id's missed_fires",
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
