import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDevServer } from '../../../src/core/temporal/dev-server.js';
import type { DevServer } from '../../../src/core/temporal/dev-server.js';
import { flowKey } from '../../../src/core/temporal/flow-attribute.js';
import { engineIdKey, platformKey } from '../../../src/features/engines/flows/search-attributes.js';
import { startTestStack } from '../../support/engine-control.js';
import type { TestStack } from '../../support/engine-control.js';
import { freePort } from '../../support/ports.js';
import { tempDir } from '../../support/stack.js';

// `npm run start:api` alone against a fresh Temporal: no worker has registered the search attributes every flow carries.
describe('the API against a Temporal no worker has used', () => {
  let port: number;
  let server: DevServer | undefined;
  let stack: TestStack;

  // The API comes first, on the port Temporal will have: its first try at the search attributes fails.
  beforeAll(async () => {
    port = await freePort();
    stack = await startTestStack(`127.0.0.1:${port}`);
  });
  afterAll(async () => {
    await stack?.close();
    await server?.stop();
  });

  it('registers the search attributes itself before the first start, and tries again after a failed try', async () => {
    await stack.putPlatform('gmail');
    const engine = await stack.registerEngine();
    const ask = () =>
      stack.call('POST', '/grants/request', {
        engine,
        body: { platform: 'gmail', action_type: 'send_email', scopes: ['gmail.send'], reason: 'receipts' },
      });
    expect(await ask()).toMatchObject({ status: 503, body: { error: { code: 'TEMPORAL_UNAVAILABLE' } } });

    server = await startDevServer({
      cli: inject('temporalCli'),
      dbFile: join(tempDir('borg-test-fresh-temporal-'), 'temporal.db'),
      port,
      uiPort: await freePort(),
      namespace: 'default',
    });
    const asked = await ask();
    expect(asked).toMatchObject({ status: 202, body: { status: 'pending' } });

    const connection = await Connection.connect({ address: server.address });
    try {
      const described = await new Client({ connection }).workflow.getHandle(asked.body.workflow_id as string).describe();
      expect(described.status.name).toBe('RUNNING');
      expect(described.typedSearchAttributes.get(engineIdKey)).toBe(engine.id);
      expect(described.typedSearchAttributes.get(platformKey)).toBe('gmail');
      expect(described.typedSearchAttributes.get(flowKey)).toBe('grant-request');
    } finally {
      await connection.close();
    }
  });
});
