import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/core/config/config.js';

const dataDir = mkdtempSync(join(tmpdir(), 'borg-config-'));

function problemsFor(env: Record<string, string>): string[] {
  try {
    loadConfig({ BORG_DATA_DIR: dataDir, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('uses the embedded defaults when nothing is set', () => {
    const config = loadConfig({ BORG_DATA_DIR: dataDir });
    expect(config.api).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.dbFile).toBe(join(dataDir, 'borg.db'));
    expect(config.autoMigrate).toBe(true);
    expect(config.log.level).toBe('info');
    expect(config.temporal.address).toBeUndefined();
    expect(config.temporal.namespace).toBe('default');
    expect(config.temporal.taskQueue).toBe('borg');
    expect(config.temporal.embedded).toMatchObject({ port: 7233, uiPort: 8233, dbFile: join(dataDir, 'temporal.db') });
    expect(config.temporal.tls.enabled).toBe(false);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ BORG_DATA_DIR: dataDir, BORG_API_PORT: '' }).api.port).toBe(8080);
  });

  it('reads given values', () => {
    const config = loadConfig({
      BORG_DATA_DIR: dataDir,
      BORG_API_PORT: '0',
      BORG_LOG_LEVEL: 'DEBUG',
      BORG_AUTO_MIGRATE: 'no',
      TEMPORAL_ADDRESS: 'temporal.example:7233',
      TEMPORAL_API_KEY: 'k',
    });
    expect(config.api.port).toBe(0);
    expect(config.log.level).toBe('debug');
    expect(config.autoMigrate).toBe(false);
    expect(config.temporal.address).toBe('temporal.example:7233');
    expect(config.temporal.tls.enabled).toBe(true);
  });

  const unreadable = join(dataDir, 'a-file');
  writeFileSync(unreadable, 'x');
  const cert = join(dataDir, 'cert.pem');
  writeFileSync(cert, 'pem');

  it.each([
    [{ BORG_API_PORT: 'abc' }, 'BORG_API_PORT="abc" is invalid: expected an integer port from 0 to 65535'],
    [{ BORG_API_PORT: '70000' }, 'BORG_API_PORT="70000" is invalid: expected an integer port from 0 to 65535'],
    [{ BORG_API_PORT: '-1' }, 'BORG_API_PORT="-1" is invalid: expected an integer port from 0 to 65535'],
    [{ BORG_API_PORT: '80.5' }, 'BORG_API_PORT="80.5" is invalid: expected an integer port from 0 to 65535'],
    [{ BORG_API_HOST: 'bad host!' }, 'BORG_API_HOST="bad host!" is invalid: expected a hostname or IP address'],
    [{ BORG_LOG_LEVEL: 'loud' }, 'BORG_LOG_LEVEL="loud" is invalid: expected one of fatal, error, warn, info, debug, trace, silent'],
    [{ BORG_AUTO_MIGRATE: 'maybe' }, 'BORG_AUTO_MIGRATE="maybe" is invalid: expected a boolean (true, 1, yes, on, false, 0, no, off)'],
    [
      { BORG_DATA_DIR: unreadable },
      `BORG_DATA_DIR="${unreadable}" is invalid: expected a directory BorgOS can create, read and write (ENOTDIR)`,
    ],
    [
      { BORG_DATA_DIR: join(unreadable, 'sub') },
      `BORG_DATA_DIR="${join(unreadable, 'sub')}" is invalid: expected a directory BorgOS can create, read and write (ENOTDIR)`,
    ],
    [
      { BORG_LOG_FILE: join(unreadable, 'x.log') },
      `BORG_LOG_FILE="${join(unreadable, 'x.log')}" is invalid: expected a file path in a directory BorgOS can create and write`,
    ],
    [{ BORG_LOG_ROTATE_SIZE: '10 megs' }, 'BORG_LOG_ROTATE_SIZE="10 megs" is invalid: expected a size like 512k, 10m or 1g'],
    [{ BORG_LOG_ROTATE_KEEP: '0' }, 'BORG_LOG_ROTATE_KEEP="0" is invalid: expected an integer from 1 to 1000'],
    [{ BORG_SHUTDOWN_TIMEOUT_MS: 'soon' }, 'BORG_SHUTDOWN_TIMEOUT_MS="soon" is invalid: expected an integer from 100 to 600000'],
    [
      { BORG_TEMPORAL_CLI: '/nonexistent/temporal' },
      'BORG_TEMPORAL_CLI="/nonexistent/temporal" is invalid: expected an executable file (ENOENT)',
    ],
    [{ BORG_TEMPORAL_PORT: 'x' }, 'BORG_TEMPORAL_PORT="x" is invalid: expected an integer port from 0 to 65535'],
    [{ BORG_TEMPORAL_UI_PORT: '99999' }, 'BORG_TEMPORAL_UI_PORT="99999" is invalid: expected an integer port from 0 to 65535'],
    [
      { BORG_TEMPORAL_PORT: '9000', BORG_TEMPORAL_UI_PORT: '9000' },
      'BORG_TEMPORAL_PORT and BORG_TEMPORAL_UI_PORT are both 9000: the embedded server needs two different ports',
    ],
    [{ TEMPORAL_ADDRESS: 'localhost' }, 'TEMPORAL_ADDRESS="localhost" is invalid: expected host:port, e.g. localhost:7233'],
    [{ TEMPORAL_ADDRESS: 'localhost:port' }, 'TEMPORAL_ADDRESS="localhost:port" is invalid: expected host:port, e.g. localhost:7233'],
    [
      { TEMPORAL_ADDRESS: 'http://localhost:7233' },
      'TEMPORAL_ADDRESS="http://localhost:7233" is invalid: expected host:port without a scheme, e.g. localhost:7233',
    ],
    [{ TEMPORAL_NAMESPACE: '   ' }, 'TEMPORAL_NAMESPACE="   " is invalid: expected a non-empty string'],
    [{ TEMPORAL_TLS: 'sometimes' }, 'TEMPORAL_TLS="sometimes" is invalid: expected a boolean (true, 1, yes, on, false, 0, no, off)'],
    [{ TEMPORAL_TLS_CA: dataDir }, `TEMPORAL_TLS_CA="${dataDir}" is invalid: expected a readable file (EISDIR)`],
    [{ TEMPORAL_TLS_CERT: cert }, 'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together (mTLS needs both)'],
    [
      { TEMPORAL_TLS: 'yes' },
      'TEMPORAL_TLS, TEMPORAL_API_KEY and TEMPORAL_TLS_CERT are for a remote server: set TEMPORAL_ADDRESS, or unset them to use the embedded one (it speaks plain gRPC)',
    ],
  ])('rejects %j with one line naming variable, value and what is allowed', (env, line) => {
    expect(problemsFor(env)).toEqual([line]);
  });

  it('never echoes a secret back', () => {
    expect(problemsFor({ TEMPORAL_API_KEY: ' ' })).toEqual(['TEMPORAL_API_KEY=<redacted> is invalid: expected a non-empty string']);
  });

  it('creates the data and log directories only once every setting is valid', () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'borg-config-')), 'deep', 'data');
    const logFile = join(missing, '..', 'logs', 'borg.log');
    expect(() => loadConfig({ BORG_DATA_DIR: missing, BORG_LOG_FILE: logFile, BORG_API_PORT: 'abc' })).toThrow(ConfigError);
    expect(existsSync(join(missing, '..'))).toBe(false);
    loadConfig({ BORG_DATA_DIR: missing, BORG_LOG_FILE: logFile });
    expect([existsSync(missing), existsSync(join(missing, '..', 'logs'))]).toEqual([true, true]);
  });

  it('reports every bad variable at once, one line each', () => {
    expect(problemsFor({ BORG_API_PORT: 'abc', BORG_LOG_LEVEL: 'loud' })).toHaveLength(2);
  });
});
