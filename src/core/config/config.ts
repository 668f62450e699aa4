import { join } from 'node:path';
import { InvalidValue } from './parsers.js';
import { variables } from './variables.js';
import type { Variable } from './variables.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface TemporalConfig {
  /** Unset: start the embedded dev server. */
  address: string | undefined;
  namespace: string;
  taskQueue: string;
  apiKey: string | undefined;
  tls: { enabled: boolean; cert?: string; key?: string; ca?: string; serverName?: string };
  embedded: { cli: string | undefined; port: number; uiPort: number; dbFile: string };
}

/** Device enrollment, tokens and heartbeats (src/features/devices). */
export interface DeviceConfig {
  enrollDeadlineS: number;
  ratePerAddress: number;
  ratePerKey: number;
  refreshIdleS: number;
  refreshAbsoluteS: number;
  dpopIatWindowS: number;
  dpopNonces: boolean;
  heartbeatIntervalS: number;
  offlineAfterMissed: number;
}

/** The operators' event stream (src/core/events, src/features/events). */
export interface EventsConfig {
  retentionDays: number;
}

/** Scheduled jobs (src/features/jobs). */
export interface JobsConfig {
  historyDays: number;
  /** How late a fire may still start a run (Temporal's catch-up window); later ones are counted as missed. */
  catchupWindowS: number;
}

export interface Config {
  api: { host: string; port: number; publicUrl: string | undefined; trustedProxies: string[] | undefined };
  dataDir: string;
  dbFile: string;
  autoMigrate: boolean;
  log: { level: LogLevel; file: string | undefined; rotateSize: string; rotateKeep: number };
  shutdownTimeoutMs: number;
  temporal: TemporalConfig;
  devices: DeviceConfig;
  events: EventsConfig;
  jobs: JobsConfig;
}

/** Every invalid setting, one line each: variable, value, what is allowed. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const creations: (() => void)[] = [];

  /** Runs `step`; an InvalidValue it throws becomes the variable's problem line. */
  function attempt<T>(variable: Pick<Variable<unknown>, 'name' | 'secret'>, raw: string, step: () => T): T | undefined {
    try {
      return step();
    } catch (err) {
      if (!(err instanceof InvalidValue)) throw err;
      const shown = variable.secret ? '<redacted>' : JSON.stringify(raw);
      problems.push(`${variable.name}=${shown} is invalid: ${err.message}`);
      return undefined;
    }
  }

  function read<T>(variable: Variable<T>): T | undefined {
    const given = env[variable.name];
    const raw = given === undefined || given === '' ? variable.default : given;
    if (raw === undefined) return undefined;
    const value = attempt(variable, raw, () => variable.parse(raw));
    const { create } = variable;
    if (value !== undefined && create) creations.push(() => attempt(variable, raw, () => create(value)));
    return value;
  }

  const v = variables;
  const dataDir = read(v.dataDir);
  const tlsCert = read(v.temporalTlsCert);
  const tlsKey = read(v.temporalTlsKey);
  const apiKey = read(v.temporalApiKey);
  if ((tlsCert === undefined) !== (tlsKey === undefined) && problems.length === 0) {
    problems.push(`${v.temporalTlsCert.name} and ${v.temporalTlsKey.name} must be set together (mTLS needs both)`);
  }

  const temporalAddress = read(v.temporalAddress);
  const tls = read(v.temporalTls);
  if (temporalAddress === undefined && (tls || apiKey !== undefined || tlsCert !== undefined) && problems.length === 0) {
    problems.push(
      `${v.temporalTls.name}, ${v.temporalApiKey.name} and ${v.temporalTlsCert.name} are for a remote server: set ${v.temporalAddress.name}, or unset them to use the embedded one (it speaks plain gRPC)`,
    );
  }
  const temporalPort = read(v.temporalPort);
  const temporalUiPort = read(v.temporalUiPort);
  if (temporalAddress === undefined && temporalPort !== undefined && temporalPort === temporalUiPort) {
    problems.push(
      `${v.temporalPort.name} and ${v.temporalUiPort.name} are both ${temporalPort}: the embedded server needs two different ports`,
    );
  }

  const config: Config = {
    api: { host: read(v.apiHost)!, port: read(v.apiPort)!, publicUrl: read(v.publicUrl), trustedProxies: read(v.trustedProxies) },
    dataDir: dataDir!,
    dbFile: dataDir ? join(dataDir, 'borg.db') : '',
    autoMigrate: read(v.autoMigrate)!,
    log: {
      level: read(v.logLevel)!,
      file: read(v.logFile),
      rotateSize: read(v.logRotateSize)!,
      rotateKeep: read(v.logRotateKeep)!,
    },
    shutdownTimeoutMs: read(v.shutdownTimeoutMs)!,
    temporal: {
      address: temporalAddress,
      namespace: read(v.temporalNamespace)!,
      taskQueue: read(v.temporalTaskQueue)!,
      apiKey,
      tls: {
        enabled: tls! || apiKey !== undefined || tlsCert !== undefined,
        cert: tlsCert,
        key: tlsKey,
        ca: read(v.temporalTlsCa),
        serverName: read(v.temporalTlsServerName),
      },
      embedded: {
        cli: read(v.temporalCli),
        port: temporalPort!,
        uiPort: temporalUiPort!,
        dbFile: dataDir ? join(dataDir, 'temporal.db') : '',
      },
    },
    devices: {
      enrollDeadlineS: read(v.enrollDeadlineS)!,
      ratePerAddress: read(v.enrollRatePerAddress)!,
      ratePerKey: read(v.enrollRatePerKey)!,
      refreshIdleS: read(v.refreshIdleS)!,
      refreshAbsoluteS: read(v.refreshAbsoluteS)!,
      dpopIatWindowS: read(v.dpopIatWindowS)!,
      dpopNonces: read(v.dpopNonces)!,
      heartbeatIntervalS: read(v.heartbeatIntervalS)!,
      offlineAfterMissed: read(v.offlineAfterMissed)!,
    },
    events: { retentionDays: read(v.eventsRetentionDays)! },
    jobs: { historyDays: read(v.jobHistoryDays)!, catchupWindowS: read(v.jobCatchupWindowS)! },
  };
  if (config.devices.refreshIdleS > config.devices.refreshAbsoluteS && problems.length === 0) {
    problems.push(`${v.refreshIdleS.name} must not be longer than ${v.refreshAbsoluteS.name}`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  // Only now: a start refused for any setting leaves no directory behind.
  for (const create of creations) create();
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
