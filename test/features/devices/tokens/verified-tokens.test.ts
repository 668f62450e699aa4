import { describe, expect, it } from 'vitest';
import type { AccessTokenClaims } from '../../../../src/features/devices/tokens/access-token.js';
import { VerifiedTokens } from '../../../../src/features/devices/tokens/verified-tokens.js';

const claims = (exp: number): AccessTokenClaims => ({
  iss: 'urn:borgos:test',
  aud: 'urn:borgos:test#devices',
  sub: 'dev_1',
  jti: 'j',
  iat: exp - 900,
  exp,
  token_version: 0,
  cnf: { jkt: 'k'.repeat(43) },
});

describe('verified access tokens', () => {
  it('remembers a token until it expires, then forgets it', () => {
    const cache = new VerifiedTokens();
    cache.add('t1', claims(1000));
    expect(cache.get('t1', 999_999)?.sub).toBe('dev_1');
    expect(cache.get('t1', 1_000_000)).toBeUndefined();
    expect(cache.get('t1', 10)).toBeUndefined();
    expect(cache.get('other', 10)).toBeUndefined();
  });

  it('holds at most its capacity, dropping the oldest first', () => {
    const cache = new VerifiedTokens(2);
    cache.add('a', claims(1000));
    cache.add('b', claims(1000));
    cache.add('c', claims(1000));
    expect([cache.get('a', 0), cache.get('b', 0), cache.get('c', 0)].map((c) => c !== undefined)).toEqual([false, true, true]);
  });
});
