import { hash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** A readable id with a kind prefix, e.g. `eng_3f9a…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}

/** 256 bits of randomness; shown to its owner once and stored only as a hash. */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** Keys are high-entropy random, so a plain SHA-256 is as strong as a slow KDF and keeps checks fast. */
export function hashSecret(secret: string): string {
  return digestSecret(secret).toString('hex');
}

/** The SHA-256 of a secret as bytes: what `hashSecret` stores, before hex encoding. */
export function digestSecret(secret: string): Buffer {
  return hash('sha256', secret, 'buffer');
}

/** Compares a presented secret with a stored hash in time that does not depend on where they differ. */
export function secretMatches(secret: string, storedHash: string): boolean {
  return digestsMatch(digestSecret(secret), Buffer.from(storedHash, 'hex'));
}

/** Compares two digests in constant time, for when the presented secret was hashed earlier. */
export function digestsMatch(presented: Buffer, stored: Buffer): boolean {
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

export function nowIso(): string {
  return new Date().toISOString();
}

/**
 * A UUIDv7 (RFC 9562): millisecond time first, then randomness. Sorted by creation, so indexes
 * on these ids grow at their end instead of splitting pages at random. The random bits come from
 * `randomUUID`, which draws on a pooled entropy cache (per-call `randomBytes` is a syscall each).
 */
export function uuidv7(now: number = Date.now()): string {
  const random = randomUUID();
  // random is xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx with the RFC variant already in V.
  return `${timePrefix(now)}-7${random.slice(15, 18)}-${random.slice(19)}`;
}

let prefixMs = -1;
let prefix = '';

/** `tttttttt-tttt`, kept for the millisecond it was made: a batch of checks shares one. */
function timePrefix(now: number): string {
  if (now !== prefixMs) {
    const time = now.toString(16).padStart(12, '0');
    prefixMs = now;
    prefix = `${time.slice(0, 8)}-${time.slice(8, 12)}`;
  }
  return prefix;
}
