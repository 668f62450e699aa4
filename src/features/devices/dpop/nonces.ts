import { createHmac, timingSafeEqual } from 'node:crypto';

const TIME_BYTES = 8;
const MAC_BYTES = 16;
// A replica whose clock runs a little behind the one that issued a nonce still accepts it.
const SKEW_S = 5;

/**
 * Server-provided DPoP nonces (RFC 9449 §8), kept nowhere: a nonce is its issue time (whole seconds) and a MAC
 * of it, so every replica given the same key accepts what another issued. A nonce is good for `lifetimeS`
 * after issue; with nonces on, a proof's age is bounded by the server's clock, not only by the client's `iat`.
 */
export class DpopNonces {
  constructor(
    private readonly key: Buffer,
    readonly lifetimeS = 300,
  ) {
    if (key.length < 32) throw new RangeError('a DPoP nonce key needs at least 32 bytes');
  }

  issue(nowMs: number = Date.now()): string {
    const time = Buffer.alloc(TIME_BYTES);
    time.writeBigUInt64BE(BigInt(Math.floor(nowMs / 1000)));
    return Buffer.concat([time, this.mac(time)]).toString('base64url');
  }

  accepts(nonce: string, nowMs: number = Date.now()): boolean {
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== TIME_BYTES + MAC_BYTES || raw.toString('base64url') !== nonce) return false;
    const time = raw.subarray(0, TIME_BYTES);
    if (!timingSafeEqual(raw.subarray(TIME_BYTES), this.mac(time))) return false;
    const age = nowMs / 1000 - Number(time.readBigUInt64BE());
    return age >= -SKEW_S && age <= this.lifetimeS;
  }

  private mac(time: Buffer): Buffer {
    return createHmac('sha256', this.key).update(time).digest().subarray(0, MAC_BYTES);
  }
}
