import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { startDevServer } from '../../../src/core/temporal/dev-server.js';
import { eventually } from '../../support/eventually.js';
import { freePort } from '../../support/ports.js';
import { runScript } from '../../support/process.js';
import { tempDir } from '../../support/stack.js';

/** Long enough for gRPC's default reconnect backoff (x1.6 a try, up to 120 s) to grow past 5 s: 10 s after 120 s here. */
const OUTAGE_MS = 100_000;
/** What the API may take to answer normally once Temporal answers again. */
const RECOVERY_MS = 5_000;

const health = async (url: string): Promise<number> => {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(4_000) })).status;
  } catch {
    return 0;
  }
};

describe('the API after a long Temporal outage', () => {
  it(
    'answers normally within seconds of Temporal answering again, however long it was down',
    { timeout: OUTAGE_MS + 150_000 },
    async () => {
      const dbFile = join(tempDir('borg-outage-'), 'temporal.db');
      const [port, uiPort, apiPort] = [await freePort(), await freePort(), await freePort()];
      const start = () => startDevServer({ cli: inject('temporalCli'), dbFile, port, uiPort, namespace: 'default' });
      let server = await start();
      const api = runScript('start:api', {
        BORG_DATA_DIR: tempDir('borg-outage-api-'),
        BORG_API_PORT: String(apiPort),
        TEMPORAL_ADDRESS: server.address,
      });
      const url = `http://127.0.0.1:${apiPort}`;
      try {
        await api.waitForOutput('API ready');
        expect(await health(url)).toBe(200);

        await server.stop();
        const outageEnds = Date.now() + OUTAGE_MS;
        // The first probes may answer from the last check, made while Temporal was up.
        await eventually(
          () => health(url),
          (status) => status === 503,
        );
        // Probes keep coming during the outage, as an orchestrator's would, so the client keeps trying to reconnect.
        while (Date.now() < outageEnds) {
          expect(await health(url)).toBe(503);
          await new Promise((r) => setTimeout(r, 1_000));
        }

        server = await start();
        const back = Date.now();
        let status = await health(url);
        while (status !== 200 && Date.now() - back < 60_000) {
          await new Promise((r) => setTimeout(r, 250));
          status = await health(url);
        }
        const recoveredMs = Date.now() - back;
        expect(status).toBe(200);
        expect(recoveredMs, `the API answered 200 ${recoveredMs} ms after Temporal was back`).toBeLessThan(RECOVERY_MS);
      } finally {
        await server.stop();
      }
    },
  );
});
