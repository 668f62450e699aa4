import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { pino } from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../lib/config/config.js';
import { Lifecycle } from '../../../lib/process/lifecycle.js';
import { resolveTemporal, temporalAddress } from '../../../lib/temporal/resolve.js';
import { freePort } from '../../support/ports.js';
import { tempDir } from '../../support/stack.js';

interface Line {
  msg: string;
  [key: string]: unknown;
}

function capturedLogger(): { log: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  return { log, lines };
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('resolveTemporal with TEMPORAL_ADDRESS', () => {
  it('returns the given address, starts nothing and registers nothing to stop', async () => {
    const config = loadConfig({ BORG_DATA_DIR: tempDir(), TEMPORAL_ADDRESS: 'temporal.internal:7233' });
    const { log, lines } = capturedLogger();
    const lifecycle = new Lifecycle(log, 5000);

    expect(await resolveTemporal(config, log, lifecycle)).toEqual({ address: 'temporal.internal:7233', uiUrl: undefined });
    await lifecycle.stop('test');

    expect(lines.map((l) => l.msg)).toEqual(['shutting down']);
    expect(existsSync(config.temporal.embedded.dbFile)).toBe(false);
    expect(temporalAddress(config)).toBe('temporal.internal:7233');
  });
});

describe('resolveTemporal without TEMPORAL_ADDRESS', () => {
  it('starts an embedded dev server that answers, and the lifecycle stops it', async () => {
    const dir = tempDir();
    const port = await freePort();
    const uiPort = await freePort();
    const config = loadConfig({
      BORG_DATA_DIR: dir,
      BORG_TEMPORAL_CLI: inject('temporalCli'),
      BORG_TEMPORAL_PORT: String(port),
      BORG_TEMPORAL_UI_PORT: String(uiPort),
    });
    const { log, lines } = capturedLogger();
    const lifecycle = new Lifecycle(log, 30_000);

    try {
      const endpoint = await resolveTemporal(config, log, lifecycle);
      expect(endpoint).toEqual({ address: `127.0.0.1:${port}`, uiUrl: `http://127.0.0.1:${uiPort}` });
      expect(temporalAddress(config)).toBe(endpoint.address);
      expect(lines.find((l) => l.msg === 'starting embedded Temporal server')).toMatchObject({ cli: inject('temporalCli'), dbFile: join(dir, 'temporal.db') });

      const connection = await Connection.connect({ address: endpoint.address });
      try {
        const ns = await connection.workflowService.describeNamespace({ namespace: 'default' });
        expect(ns.namespaceInfo?.name).toBe('default');
      } finally {
        await connection.close();
      }
      expect(existsSync(join(dir, 'temporal.db'))).toBe(true);
      expect(await canListen(port)).toBe(false);
    } finally {
      await lifecycle.stop('test');
    }

    expect(lines.find((l) => l.msg === 'stopped')).toMatchObject({ part: 'temporal-server' });
    expect(await canListen(port)).toBe(true);
  });
});
