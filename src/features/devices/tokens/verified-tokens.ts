import type { AccessTokenClaims } from './access-token.js';

/**
 * Access tokens whose signature and claims were verified, until they expire. A device sends the same token with
 * every call for 15 minutes, and its EdDSA check costs more than the rest of a heartbeat: checked once, the
 * token string is as good the next time (its signature is over exactly these bytes). What can change, the
 * device's status and token version, the caller still checks on every call.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, AccessTokenClaims>();

  constructor(private readonly capacity = 10_000) {}

  get(token: string, nowMs: number = Date.now()): AccessTokenClaims | undefined {
    const claims = this.entries.get(token);
    if (claims && claims.exp * 1000 <= nowMs) {
      this.entries.delete(token);
      return undefined;
    }
    return claims;
  }

  add(token: string, claims: AccessTokenClaims): void {
    // The oldest entry goes first: a Map iterates in insertion order.
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, claims);
  }
}
