import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestStack } from '../../../support/engine-control.js';
import type { TestStack } from '../../../support/engine-control.js';
import { eventually } from '../../../support/eventually.js';

describe('a platform and its maintenance windows, over HTTP with a worker', () => {
  let s: TestStack;
  const windowStatus = async (id: string) =>
    ((await s.call('GET', '/maintenance?platform=billing')).body as { id: string; status: string }[]).find((w) => w.id === id)?.status;
  const listed = async (id: string) =>
    ((await s.call('GET', '/platforms/list')).body as { id: string; status: string }[]).find((p) => p.id === id)?.status;

  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
    await s.startWorker();
  });
  afterAll(() => s.close());

  it('keeps maintenance an operator sets while a window runs, though the platform reads maintenance already (issue 20, defect 1)', async () => {
    expect((await s.putPlatform('billing')).status).toBe(200);
    const now = Date.now();
    const scheduled = await s.call('POST', '/platforms/billing/maintenance', {
      body: { starts_at: new Date(now - 1000).toISOString(), ends_at: new Date(now + 6000).toISOString() },
    });
    expect(scheduled.status).toBe(201);
    // Once the flow has begun the window, the platform reads maintenance, and the operator sets it all the same.
    await eventually(
      () => windowStatus(scheduled.body.id),
      (status) => status === 'active',
    );
    const put = await s.putPlatform('billing', 'maintenance');
    expect(put.status).toBe(200);
    expect(await windowStatus(scheduled.body.id)).toBe('active');
    await eventually(
      () => windowStatus(scheduled.body.id),
      (status) => status === 'completed',
    );
    expect(await listed('billing')).toBe('maintenance');
  });

  it.each([
    ['starts_at', { starts_at: '0194-01-01T00:00:00Z', ends_at: '2999-01-01T00:00:00Z' }],
    ['starts_at', { starts_at: '1969-12-31T23:59:59.999Z', ends_at: '2999-01-01T00:00:00Z' }],
    ['ends_at', { starts_at: '1970-01-01T00:00:00Z', ends_at: '1969-12-31T23:00:00Z' }],
  ])('refuses a window whose %s lies outside the years 1970-9999, naming the field (issue 20, defect 11)', async (field, body) => {
    const res = await s.call('POST', '/platforms/billing/maintenance', { body });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { fields: [{ field: `body.${field}`, message: 'must be an RFC 3339 time within the years 1970-9999 in UTC' }] },
    });
  });

  it('takes a window from the first instant of 1970', async () => {
    const res = await s.call('POST', '/platforms/billing/maintenance', {
      body: { starts_at: '1970-01-01T00:00:00Z', ends_at: '2999-01-01T00:00:00Z' },
    });
    expect(res.status).toBe(201);
    expect((await s.call('POST', `/maintenance/${res.body.id}/cancel`)).status).toBe(202);
  });
});
