import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngineControlActivities } from '../../../src/features/engines/activities.js';
import { closeDatabase } from '../../../src/core/db/database.js';
import { openMigratedDatabase } from '../../../src/core/db/open.js';
import { tempDir } from '../../support/stack.js';

describe('engine-control activities', () => {
  const db = openMigratedDatabase({
    file: join(tempDir('borg-activities-'), 'borg.db'),
    autoMigrate: true,
    log: pino({ level: 'silent' }),
  });
  const activities = createEngineControlActivities(db);
  afterAll(() => closeDatabase(db));

  // Their retry policy has no limit on attempts, so a refusal that would never change must not be retried.
  it('turn a refusal into a non-retryable failure that keeps its code', async () => {
    const refused = await activities.settleGrantRequest('greq_none', 'approved', 'operator:test', 'wf', null).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect(refused).toMatchObject({ nonRetryable: true, type: 'GRANT_REQUEST_NOT_FOUND', message: 'no grant request greq_none' });
  });

  it('leave any other failure retryable: a database that is down may come back', async () => {
    const broken = openMigratedDatabase({
      file: join(tempDir('borg-activities-'), 'borg.db'),
      autoMigrate: true,
      log: pino({ level: 'silent' }),
    });
    const onBroken = createEngineControlActivities(broken);
    closeDatabase(broken);
    const failed = await onBroken.transitionWindow('mw_1', 'active', 'wf').catch((err: unknown) => err);
    expect(failed).not.toBeInstanceOf(ApplicationFailure);
    expect(failed).toBeInstanceOf(Error);
  });

  it('end nothing, and fail nothing, for a grant whose timer started but which was never written', async () => {
    await expect(activities.endGrant('grt_never_written', 'expired', 'wf')).resolves.toBeUndefined();
  });
});
