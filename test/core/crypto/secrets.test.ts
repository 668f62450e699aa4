import { describe, expect, it } from 'vitest';
import { hashSecret, newSecret, secretMatches, uuidv7 } from '../../../src/core/crypto/secrets.js';

describe('uuidv7', () => {
  it('is an RFC 9562 version 7 UUID carrying its millisecond time', () => {
    const id = uuidv7(0x0190_1234_5678);
    expect(id).toMatch(/^01901234-5678-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('sorts by creation time', () => {
    const ids = [uuidv7(1000), uuidv7(2000), uuidv7(3000)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 1000 }, () => uuidv7(5))).size).toBe(1000);
  });
});

describe('secrets', () => {
  it('matches only the exact secret against its stored hash', () => {
    const secret = newSecret('bek');
    expect(secret).toMatch(/^bek_[A-Za-z0-9_-]{43}$/);
    const stored = hashSecret(secret);
    expect(secretMatches(secret, stored)).toBe(true);
    expect(secretMatches(`${secret}x`, stored)).toBe(false);
    expect(secretMatches(secret, 'not-a-hash')).toBe(false);
  });
});
