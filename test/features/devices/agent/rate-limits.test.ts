import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { startTestStack } from '../../../support/engine-control.js';
import type { TestStack } from '../../../support/engine-control.js';
import { enrollRequest, installCode, newDevice, poll, pollBody } from '../../../support/devices.js';
import type { Reply } from '../../../support/devices.js';
import { expectRateLimited, post } from './support.js';

const REQUEST = '/api/agent/enroll/request';
const POLL = '/api/agent/enroll/poll';

/** Admitted by the limiter: whatever the endpoint made of it, not a 429. */
function expectAdmitted(reply: Reply): void {
  expect(reply.status, JSON.stringify(reply.body)).not.toBe(429);
}

/** A stack with these limits; each test starts from empty counts (the window is a minute, longer than a test). */
function limitedStack(env: Record<string, string>) {
  const box = {} as { stack: TestStack };
  beforeAll(async () => {
    box.stack = await startTestStack(inject('temporalAddress'), undefined, env);
  });
  beforeEach(() => {
    box.stack.db.prepare('DELETE FROM rate_limit_hits').run();
  });
  afterAll(() => box.stack?.close());
  return box;
}

describe('enrollment rate limit per client address (BORG_ENROLL_RATE_PER_ADDRESS=5)', () => {
  const box = limitedStack({ BORG_ENROLL_RATE_PER_ADDRESS: '5', BORG_ENROLL_RATE_PER_KEY: '1000' });

  it('refuses the sixth enrollment request in a minute, with Retry-After', async () => {
    const { stack } = box;
    const code = await installCode(stack);
    for (let i = 0; i < 5; i++) {
      const reply = await enrollRequest(stack, newDevice(), code, `addr-${i}`);
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    }
    expect(expectRateLimited(await enrollRequest(stack, newDevice(), code, 'addr-5'))).toBe('address');
  });

  it('refuses the sixth poll, and the refused poll still counts against the address', async () => {
    const { stack } = box;
    const device = newDevice();
    expect((await enrollRequest(stack, device, await installCode(stack), 'poller-1')).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await poll(stack, device)).body).toMatchObject({ status: 'pending' });
    expect(expectRateLimited(await poll(stack, device))).toBe('address');
    // The other endpoint shares the address's count.
    expect(expectRateLimited(await enrollRequest(stack, newDevice(), await installCode(stack), 'poller-2'))).toBe('address');
  });

  it('counts garbage bodies against the address, before the body is read', async () => {
    const { stack } = box;
    const garbage = [
      post(stack.url, REQUEST, undefined, { raw: '{"not json' }),
      post(stack.url, REQUEST, {}),
      post(stack.url, POLL, { approval_reference: 'nothing-like-it' }),
      post(stack.url, POLL, undefined, { raw: 'x'.repeat(100) }),
      post(stack.url, REQUEST, [1, 2, 3]),
    ];
    for (const reply of await Promise.all(garbage)) expect(reply.status, JSON.stringify(reply.body)).toBe(400);
    // A good request now finds the address used up; so does more garbage.
    expect(expectRateLimited(await enrollRequest(stack, newDevice(), await installCode(stack), 'after-garbage'))).toBe('address');
    expectRateLimited(await post(stack.url, POLL, undefined, { raw: '{"not json' }));
  });

  it('ignores X-Forwarded-For without BORG_TRUSTED_PROXIES: a spoofed address does not escape the limit', async () => {
    const { stack } = box;
    for (let i = 0; i < 5; i++) {
      expectAdmitted(await post(stack.url, REQUEST, {}, { headers: { 'x-forwarded-for': `10.0.0.${i + 1}` } }));
    }
    expectRateLimited(await post(stack.url, REQUEST, {}, { headers: { 'x-forwarded-for': '10.0.1.1' } }));
    expectRateLimited(await post(stack.url, POLL, {}, { headers: { 'x-forwarded-for': '192.0.2.7' } }));
  });
});

describe('enrollment rate limit per device key (BORG_ENROLL_RATE_PER_KEY=3)', () => {
  const box = limitedStack({ BORG_ENROLL_RATE_PER_ADDRESS: '1000', BORG_ENROLL_RATE_PER_KEY: '3' });

  it('refuses the fourth request for one key; another device from the same address is not affected', async () => {
    const { stack } = box;
    const code = await installCode(stack);
    const device = newDevice();
    for (let i = 0; i < 3; i++) expect((await enrollRequest(stack, device, code, 'key-1')).status).toBe(200);
    expect(expectRateLimited(await enrollRequest(stack, device, code, 'key-1'))).toBe('key');
    const other = newDevice();
    const reply = await enrollRequest(stack, other, code, 'key-2');
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.approval_reference).not.toBe(device.reference);
  });

  it('counts polls for the key of the enrollment they name', async () => {
    const { stack } = box;
    const code = await installCode(stack);
    const device = newDevice();
    const other = newDevice();
    expect((await enrollRequest(stack, device, code, 'poll-1')).status).toBe(200);
    expect((await enrollRequest(stack, other, code, 'poll-2')).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await poll(stack, device)).body).toMatchObject({ status: 'pending' });
    const body = pollBody(device);
    expect(expectRateLimited(await poll(stack, device, body))).toBe('key');
    // The other key, from the same address, polls on.
    for (let i = 0; i < 2; i++) expect((await poll(stack, other)).body).toMatchObject({ status: 'pending' });
    expect(expectRateLimited(await poll(stack, other))).toBe('key');
    // Refused before its proof was checked or used up: once the counts are gone, the same poll body is good.
    stack.db.prepare('DELETE FROM rate_limit_hits').run();
    expect((await poll(stack, device, body)).body).toMatchObject({ status: 'pending' });
  });
});

describe('enrollment rate limit behind a trusted proxy (BORG_TRUSTED_PROXIES=127.0.0.1)', () => {
  const box = limitedStack({ BORG_ENROLL_RATE_PER_ADDRESS: '5', BORG_ENROLL_RATE_PER_KEY: '1000', BORG_TRUSTED_PROXIES: '127.0.0.1' });
  const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });

  it('counts each forwarded address on its own', async () => {
    const { stack } = box;
    for (let i = 0; i < 5; i++) expectAdmitted(await post(stack.url, REQUEST, {}, from('10.0.0.1')));
    expect(expectRateLimited(await post(stack.url, REQUEST, {}, from('10.0.0.1')))).toBe('address');
    expectRateLimited(await post(stack.url, POLL, {}, from('10.0.0.1')));
    // Another client behind the proxy, and the proxy itself, have their own counts.
    expectAdmitted(await post(stack.url, REQUEST, {}, from('10.0.0.2')));
    expectAdmitted(await post(stack.url, POLL, {}, from('10.0.0.2')));
    expectAdmitted(await post(stack.url, REQUEST, {}));
  });

  it('believes only the hop the proxy added: a client-supplied entry before it changes nothing', async () => {
    const { stack } = box;
    for (let i = 0; i < 5; i++) expectAdmitted(await post(stack.url, REQUEST, {}, from(`192.0.2.${i + 1}, 10.0.0.3`)));
    expectRateLimited(await post(stack.url, REQUEST, {}, from('192.0.2.99, 10.0.0.3')));
  });

  it('counts an IPv6 client by its /64', async () => {
    const { stack } = box;
    for (let i = 0; i < 5; i++) expectAdmitted(await post(stack.url, REQUEST, {}, from(`2001:db8:1:2::${i + 1}`)));
    expectRateLimited(await post(stack.url, REQUEST, {}, from('2001:db8:1:2:ffff:ffff:ffff:ffff')));
    expectAdmitted(await post(stack.url, REQUEST, {}, from('2001:db8:1:3::1')));
  });
});
