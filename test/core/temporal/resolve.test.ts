import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { pino } from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../src/core/config/config.js';
import { bindError } from '../../../src/core/process/ports.js';
import { procStat } from '../../../src/core/temporal/leftover.js';
import { Lifecycle } from '../../../src/core/process/lifecycle.js';
import { resolveTemporal, temporalAddress } from '../../../src/core/temporal/resolve.js';
import { lockInAnotherProcess } from '../../support/lock-holder.js';
import { freePort } from '../../support/ports.js';
import { tempDir } from '../../support/stack.js';
import { zombie } from '../../support/zombie.js';

interface Line {
  msg: string;
  [key: string]: unknown;
}

function capturedLogger(): { log: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  return { log, lines };
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
      expect(lines.find((l) => l.msg === 'starting embedded Temporal server')).toMatchObject({
        cli: inject('temporalCli'),
        dbFile: join(dir, 'temporal.db'),
      });

      const connection = await Connection.connect({ address: endpoint.address });
      try {
        const ns = await connection.workflowService.describeNamespace({ namespace: 'default' });
        expect(ns.namespaceInfo?.name).toBe('default');
      } finally {
        await connection.close();
      }
      expect(existsSync(join(dir, 'temporal.db'))).toBe(true);
      expect(await bindError(port)).toBe('EADDRINUSE');
    } finally {
      await lifecycle.stop('test');
    }

    expect(lines.find((l) => l.msg === 'stopped')).toMatchObject({ part: 'temporal-server' });
    expect(await bindError(port)).toBeUndefined();
  });

  it('names BORG_TEMPORAL_PORT when something else holds it, and starts nothing', async () => {
    const dir = tempDir();
    const holder = createServer();
    const port = await new Promise<number>((resolve) =>
      holder.listen(0, '127.0.0.1', () => resolve((holder.address() as AddressInfo).port)),
    );
    const config = loadConfig({
      BORG_DATA_DIR: dir,
      BORG_TEMPORAL_CLI: inject('temporalCli'),
      BORG_TEMPORAL_PORT: String(port),
      BORG_TEMPORAL_UI_PORT: String(await freePort()),
    });
    const { log } = capturedLogger();
    try {
      await expect(resolveTemporal(config, log, new Lifecycle(log, 5000))).rejects.toThrow(
        `BORG_TEMPORAL_PORT (Temporal gRPC) port ${port} is already in use (EADDRINUSE); choose another port or stop what holds it`,
      );
      expect(existsSync(join(dir, 'temporal.db.pid'))).toBe(false);
    } finally {
      holder.close();
    }
  });

  it('gives the ports of a server an earlier run left dying time to be released, and takes a reused owner pid for no owner', async () => {
    const dir = tempDir();
    const port = await freePort();
    const { pid: dying, parent: stranger } = await zombie();
    expect(procStat(dying)?.state).toBe('Z');
    // The owner's pid now belongs to an unrelated process, started at another time.
    writeFileSync(join(dir, 'temporal.db.pid'), `${dying}\n${stranger.pid} 1\n`);
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    setTimeout(() => holder.close(), 1500);
    const config = loadConfig({
      BORG_DATA_DIR: dir,
      BORG_TEMPORAL_CLI: inject('temporalCli'),
      BORG_TEMPORAL_PORT: String(port),
      BORG_TEMPORAL_UI_PORT: String(await freePort()),
    });
    const { log } = capturedLogger();
    const lifecycle = new Lifecycle(log, 30_000);
    try {
      expect(await resolveTemporal(config, log, lifecycle)).toMatchObject({ address: `127.0.0.1:${port}` });
      expect(readFileSync(join(dir, 'temporal.db.pid'), 'utf8')).toMatch(
        new RegExp(`^\\d+\n${process.pid} ${procStat(process.pid)?.start}\n$`),
      );
      expect(existsSync(join(dir, 'temporal.db.log'))).toBe(true);
      expect(procStat(stranger.pid!)?.state).toMatch(/^[^Z]$/);
    } finally {
      await lifecycle.stop('test');
      stranger.kill();
    }
  });

  it('refuses, starting nothing, while another BorgOS holds the database and has not yet written its pid file', async () => {
    const dir = tempDir();
    const { said } = await lockInAnotherProcess(join(dir, 'temporal.db.lock'));
    expect(said).toBe('locked');
    const port = await freePort();
    const config = loadConfig({
      BORG_DATA_DIR: dir,
      BORG_TEMPORAL_CLI: inject('temporalCli'),
      BORG_TEMPORAL_PORT: String(port),
      BORG_TEMPORAL_UI_PORT: String(await freePort()),
    });
    const { log } = capturedLogger();
    await expect(resolveTemporal(config, log, new Lifecycle(log, 5000))).rejects.toThrow(
      `the embedded Temporal server on ${join(dir, 'temporal.db')} belongs to a BorgOS that is starting it right now; stop it first or give this one another BORG_DATA_DIR`,
    );
    expect(existsSync(join(dir, 'temporal.db.pid'))).toBe(false);
    expect(existsSync(join(dir, 'temporal.db.log'))).toBe(false);
    expect(await bindError(port)).toBeUndefined();
  });

  it('refuses, touching nothing, when the owner the pid file names still runs', async () => {
    const dir = tempDir();
    const { pid: dying, parent: stranger } = await zombie();
    const pidFile = `${dying}\n${stranger.pid} ${procStat(stranger.pid!)?.start}\n`;
    writeFileSync(join(dir, 'temporal.db.pid'), pidFile);
    const config = loadConfig({
      BORG_DATA_DIR: dir,
      BORG_TEMPORAL_CLI: inject('temporalCli'),
      BORG_TEMPORAL_PORT: String(await freePort()),
      BORG_TEMPORAL_UI_PORT: String(await freePort()),
    });
    const { log } = capturedLogger();
    try {
      await expect(resolveTemporal(config, log, new Lifecycle(log, 5000))).rejects.toThrow(
        `the embedded Temporal server on ${join(dir, 'temporal.db')} belongs to a BorgOS that is still running (pid ${stranger.pid})`,
      );
      expect(readFileSync(join(dir, 'temporal.db.pid'), 'utf8')).toBe(pidFile);
      expect(existsSync(join(dir, 'temporal.db.log'))).toBe(false);
    } finally {
      stranger.kill();
    }
  });
});
